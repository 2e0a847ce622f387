// The changes a backport makes to an unpacked Debian source tree, computed as data: the new
// debian/changelog (our entry on top), the HALF files under debian/half/, and the debhelper
// examples list that installs them (dh_installexamples(1): `debian/PACKAGE.examples`, or
// `debian/examples` for the first binary package; when both exist only the first is read, so we
// extend whichever the package already uses and create `debian/PACKAGE.examples` otherwise).
// Everything lives in debian/, which a "3.0 (quilt)" source carries in its .debian.tar: no patch
// to the upstream tree is needed (dpkg-source(1), "Format: 3.0 (quilt)"). Pure.
import { PackageFormatError } from '../model/errors.js';
import { prependChangelogEntry, topEntry } from './changelog-entry.js';
import type { ExampleFile } from './half-examples.js';

export interface TreeEdit {
  /** Relative to the source tree's top directory. */
  readonly path: string;
  readonly text: string;
}

export interface DebianTreeState {
  readonly changelog: string;
  /** Content of `debian/<binary>.examples` if present. */
  readonly packageExamples: string | undefined;
  /** Content of `debian/examples` if present. */
  readonly plainExamples: string | undefined;
}

export interface EditsInput {
  readonly sourcePackage: string;
  /** The version the unpacked tree must have (its changelog's top entry). */
  readonly sourceVersion: string;
  /** The binary package that gets the examples. */
  readonly binaryPackage: string;
  readonly changelogEntry: string;
  readonly examples: readonly ExampleFile[];
}

export const HALF_DIR = 'debian/half';

/** Every file the backport writes, in a fixed order. Throws if the tree is not the expected one. */
export function debianEdits(state: DebianTreeState, input: EditsInput): TreeEdit[] {
  const top = topEntry(state.changelog);
  if (top === undefined || top.package !== input.sourcePackage || top.version !== input.sourceVersion) {
    const found = top === undefined ? 'no readable first entry' : `${top.package} ${top.version}`;
    throw new PackageFormatError(`the unpacked source's debian/changelog starts with ${found}, not ${input.sourcePackage} ${input.sourceVersion}`, {
      hint: 'the fetched source is not the one planned; run the backport again so that it re-plans',
    });
  }
  const edits: TreeEdit[] = [{ path: 'debian/changelog', text: prependChangelogEntry(state.changelog, input.changelogEntry) }];
  for (const file of input.examples) edits.push({ path: `${HALF_DIR}/${file.name}`, text: file.text });

  const listed = input.examples.map((file) => `${HALF_DIR}/${file.name}`);
  const [path, existing] =
    state.packageExamples !== undefined
      ? [`debian/${input.binaryPackage}.examples`, state.packageExamples]
      : state.plainExamples !== undefined
        ? ['debian/examples', state.plainExamples]
        : [`debian/${input.binaryPackage}.examples`, ''];
  edits.push({ path, text: appendLines(existing, listed) });
  return edits;
}

/** `existing` with `lines` appended (each once), ending in a newline. */
function appendLines(existing: string, lines: readonly string[]): string {
  const present = new Set(existing.split('\n').map((line) => line.trim()));
  const body = existing === '' || existing.endsWith('\n') ? existing : `${existing}\n`;
  return body + lines.filter((line) => !present.has(line)).map((line) => `${line}\n`).join('');
}
