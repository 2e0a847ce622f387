// Builds a binary package from its definition, top to bottom as deb(5) lays it out:
// installed tree → data.tar (+ md5sums, conffiles, Installed-Size) → control → control.tar →
// compression (both members at once) → ar, optionally signed with an `_gpgorigin` member (and
// `_gpgmaint` during a key rotation).
// Deterministic: the output depends only on the definition, the files it names and `mtime`.
import type { Content, PackageDefinition } from '../model/definition.js';
import type { DebArtifact } from '../model/artifact.js';
import type { Signer } from '../model/signer.js';
import { DefinitionError, UsageError } from '../model/errors.js';
import { compress, type Compression } from '../format/compression.js';
import { writeTar } from '../format/tar.js';
import { assertValidDefinition } from '../definitions/validate.js';
import { signDebMembers } from '../sign/gpg-origin.js';
import { assembleDeb, DEBIAN_BINARY, debFileName } from './assemble.js';
import { loadContent } from './content.js';
import { controlParagraph, controlText } from './control.js';
import { controlTarEntries, type ControlMember, type ControlMemberName } from './control-tar.js';
import { conffilesText, dataTarEntries, installedPaths, md5sumsText, sortInstallEntries } from './data-tar.js';
import { installedSize } from './installed-size.js';
import { triggersProblem } from './triggers.js';
import { resolveInstallTree } from './install-tree.js';

export interface BuildDebOptions {
  /** Repository root: relative `from` paths are read from here. */
  readonly root: string;
  /** SOURCE_DATE_EPOCH in seconds: every member's and entry's mtime (files' own times are not used). */
  readonly mtime: number;
  /** Member compression; default xz, as Debian does. */
  readonly compression?: Compression;
  /** When given, the package gets its signature members (signDebMembers) made at `signDate` (default `mtime`). */
  readonly signer?: Signer;
  /** Creation time of the origin signature; must not precede the signing key's creation. */
  readonly signDate?: Date;
}

const utf8 = new TextEncoder();

async function contentMembers(def: PackageDefinition, root: string): Promise<ControlMember[]> {
  const wanted: [ControlMemberName, Content | undefined][] = [
    ['preinst', def.scripts?.preinst],
    ['postinst', def.scripts?.postinst],
    ['prerm', def.scripts?.prerm],
    ['postrm', def.scripts?.postrm],
    ['config', def.scripts?.config],
    ['templates', def.templates],
    ['triggers', def.triggers],
  ];
  const present = wanted.filter((w): w is [ControlMemberName, Content] => w[1] !== undefined);
  const members = await Promise.all(
    present.map(async ([name, content]) => ({ name, data: (await loadContent(content, root, `package "${def.name}": ${name}`)).data })),
  );
  const triggers = members.find((m) => m.name === 'triggers');
  const problem = triggers === undefined ? undefined : triggersProblem(new TextDecoder().decode(triggers.data));
  if (problem !== undefined) throw new DefinitionError(`package "${def.name}": triggers: ${problem}`, { hint: 'write "interest", "activate" or their -await/-noawait forms and one trigger name per line (deb-triggers(5)); dpkg refuses the package at install otherwise' });
  return members;
}

/** Builds the .deb; throws InvalidDefinitionError (DefinitionError) listing every problem. */
export async function buildDeb(def: PackageDefinition, options: BuildDebOptions): Promise<DebArtifact> {
  if (!Number.isInteger(options.mtime) || options.mtime < 0) {
    throw new UsageError(`mtime ${options.mtime} is not a non-negative integer number of seconds`, { hint: 'pass SOURCE_DATE_EPOCH (e.g. git log -1 --format=%ct)' });
  }
  assertValidDefinition(def);
  const compression = options.compression ?? 'xz';
  const [entries, members] = await Promise.all([resolveInstallTree(def, options), contentMembers(def, options.root)]);
  const sorted = sortInstallEntries(entries);
  const md5sums = md5sumsText(sorted);
  const conffiles = conffilesText(sorted);
  if (md5sums !== undefined) members.push({ name: 'md5sums', data: utf8.encode(md5sums) });
  if (conffiles !== undefined) members.push({ name: 'conffiles', data: utf8.encode(conffiles) });
  const control = controlParagraph(def, installedSize(sorted, members));
  members.push({ name: 'control', data: utf8.encode(controlText(control)) });

  const [controlTar, dataTar] = await Promise.all([
    compress(writeTar(controlTarEntries(members, options.mtime)), compression),
    compress(writeTar(dataTarEntries(sorted, options.mtime)), compression),
  ]);
  const parts = { compression, controlTar, dataTar, mtime: options.mtime };
  const signatures = options.signer === undefined ? [] : await signDebMembers(options.signer, { debianBinary: DEBIAN_BINARY, controlTar, dataTar }, options.signDate ?? new Date(options.mtime * 1000));
  return {
    fileName: debFileName(def.name, def.version, def.architecture),
    bytes: assembleDeb(parts, signatures),
    control,
    paths: installedPaths(sorted),
  };
}
