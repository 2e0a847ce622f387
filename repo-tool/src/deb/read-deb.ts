// Reading a .deb made elsewhere (for `half-repo import` and `verify`): ar → member layout →
// control.tar (control, md5sums, conffiles, scripts) → data.tar (paths, MD5s checked against
// md5sums). Anything malformed, truncated or inconsistent is a PackageFormatError that names
// the file and what is wrong; nothing else escapes except ToolError when xz/zstd is missing.
// Members are decompressed as streams and parsed as they come (format/compression.ts,
// format/tar-read.ts): data.tar file bodies are hashed and dropped, control.tar files are kept
// up to CONTROL_KEPT_LIMIT, so memory stays bounded whatever a member decompresses to.
import type { DebArtifact } from '../model/artifact.js';
import { PackageFormatError } from '../model/errors.js';
import { getField, type Paragraph } from '../model/paragraph.js';
import { readAr } from '../format/ar.js';
import { decompressChunks, MAX_DECOMPRESSED_SIZE, TOO_LARGE_HINT } from '../format/compression.js';
import { parseSingleParagraph } from '../format/deb822.js';
import { digestsOf, type Digests } from '../format/digests.js';
import { readTar, type TarItem } from '../format/tar-read.js';
import { PACKAGE_NAME } from './package-name.js';
import { debFileName } from './assemble.js';
import { debLayout, type DebLayout } from './deb-layout.js';
import { parseVersion } from './version.js';
import { BINARY_RELATION_FIELDS, binaryRelationFieldProblem } from './relationship.js';
import { checkDpkgControl, startsWithBom } from './dpkg-control.js';
import { unpackOrderProblem } from './unpack-order.js';

export interface ReadDeb extends DebArtifact {
  readonly digests: Digests;
  readonly layout: Omit<DebLayout, 'signed'>;
  /** Regular files of control.tar by name without `./` (control, md5sums, postinst, ...). */
  readonly controlFiles: ReadonlyMap<string, Uint8Array>;
  /** Every data.tar entry as stored. */
  readonly entries: readonly TarItem[];
  /** Paths of DEBIAN/conffiles. */
  readonly conffiles: readonly string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * The most control.tar's files may add up to. dpkg has no such limit, but they are the control
 * file, md5sums (about 100 bytes a file: a package of 600,000 files), conffiles and scripts.
 */
export const CONTROL_KEPT_LIMIT = 64 * 1024 * 1024;
/** The most entries control.tar may have (dpkg's control members are a dozen or so files). */
export const CONTROL_ENTRY_LIMIT = 10_000;
/**
 * The most entries data.tar may have. Each is kept (name, type, MD5…: about 300 bytes), so this
 * bounds the list too; Debian's largest packages have a small fraction of it.
 */
export const DATA_ENTRY_LIMIT = 500_000;

function stripDot(name: string): string {
  return name.replace(/^\.?\//, '');
}

function requiredField(control: Paragraph, name: string, source: string): string {
  const value = getField(control, name);
  if (value === undefined || value === '') throw new PackageFormatError(`${source}: the control file has no ${name} field`, { hint: 'every binary package needs Package, Version and Architecture (deb-control(5))' });
  return value;
}

function checkMd5sums(md5sums: Uint8Array | undefined, entries: readonly TarItem[], source: string): void {
  if (md5sums === undefined) return;
  // A hard link has the bytes of the earlier entry it names, and md5sums (dh_md5sums, `find -type
  // f | md5sum`) lists every name of a file.
  const actual = new Map<string, string | undefined>();
  for (const e of entries) {
    if (e.md5 !== undefined) actual.set(stripDot(e.name), e.md5);
    else if (e.type === 'link' && e.target !== undefined) actual.set(stripDot(e.name), actual.get(stripDot(e.target)));
  }
  for (const line of utf8.decode(md5sums).split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-f]{32}) [ *](.+)$/.exec(line);
    if (m === null) throw new PackageFormatError(`${source}: md5sums line "${line.slice(0, 60)}" is malformed`, { hint: 'each line is 32 hex digits, two spaces, a path' });
    const [, digest, path = ''] = m;
    const found = actual.get(path);
    if (found === undefined) throw new PackageFormatError(`${source}: md5sums lists "${path}", which data.tar does not contain`, { hint: 'the package is inconsistent; rebuild it' });
    if (found !== digest) throw new PackageFormatError(`${source}: "${path}" has MD5 ${found} but md5sums says ${digest}`, { hint: 'the package is corrupt or was modified; rebuild it' });
  }
}

// ignoreBOM keeps a byte order mark in the text (by default the decoder drops it, and with it
// the reason dpkg refuses the file); controlText refuses it first anyway.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The control file's text: UTF-8 (Policy §5.1) ending in a newline, as dpkg reads it. */
function controlText(bytes: Uint8Array, source: string): string {
  if (startsWithBom(bytes)) throw new PackageFormatError(`${source}: the control file starts with a UTF-8 byte order mark, which dpkg reads as part of the first field's name ("missing 'Package' field")`, { hint: 'remove the byte order mark (its first three bytes) and rebuild the package' });
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new PackageFormatError(`${source}: the control file is not UTF-8`, { hint: 'control files are UTF-8 (Debian Policy §5.1): convert the field that is not (a Maintainer name, say) and rebuild the package' });
  }
  if (text.length > 0 && !text.endsWith('\n')) throw new PackageFormatError(`${source}: the control file does not end with a newline, so dpkg cannot read its last field`, { hint: 'rebuild the package with dpkg-deb, which refuses such a file' });
  return text;
}

/**
 * deb-conffiles(5) as dpkg reads it at install: blank lines skipped, otherwise an absolute path,
 * or the flag remove-on-upgrade, one space, an absolute path.
 */
function checkConffiles(text: string, source: string): void {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[ \t\r]+$/, '');
    if (line === '' || line.startsWith('/')) continue;
    const space = line.indexOf(' ');
    const path = space < 0 ? line : line.slice(space + 1);
    if (space < 0 || !path.startsWith('/')) throw new PackageFormatError(`${source}: conffiles names "${path}", which is not an absolute path (dpkg refuses it)`, { hint: 'conffiles lists absolute paths, e.g. /etc/foo.conf; fix it and rebuild the package' });
    const flag = line.slice(0, space);
    if (flag !== 'remove-on-upgrade') throw new PackageFormatError(`${source}: conffiles line "${line}" has the flag "${flag}", which dpkg does not know`, { hint: 'the only flag is remove-on-upgrade (deb-conffiles(5)); fix the line and rebuild the package' });
  }
}

/** What dpkg would refuse at install: relationship fields that do not parse, a Source field with a bad version. */
function checkControlFields(control: Paragraph, source: string): void {
  for (const field of BINARY_RELATION_FIELDS) {
    const value = getField(control, field);
    if (value === undefined) continue;
    const problem = binaryRelationFieldProblem(value);
    if (problem !== undefined) throw new PackageFormatError(`${source}: its ${field} field does not parse: ${problem}`, { hint: 'apt cannot read a Packages file holding it; fix the field (deb-control(5)) and rebuild the package' });
  }
  if (getField(control, 'Multi-Arch')?.trim() === 'same' && getField(control, 'Architecture')?.trim() === 'all') {
    throw new PackageFormatError(`${source}: it is "Multi-Arch: same" for architecture "all", which dpkg refuses to install`, { hint: 'rebuild it with Multi-Arch: foreign (or none), or per architecture' });
  }
  const sourceField = getField(control, 'Source');
  const m = sourceField === undefined ? null : /^\s*(\S+)(?:\s+\(([^()]*)\))?\s*$/.exec(sourceField);
  if (sourceField !== undefined && (m === null || (m[2] !== undefined && !parseVersion(m[2].trim()).ok))) {
    throw new PackageFormatError(`${source}: its Source field "${sourceField}" is not "name" or "name (version)"`, { hint: 'deb-control(5): the source version in parentheses when it differs from the binary version; rebuild the package' });
  }
}

/** Reads and checks a .deb. `source` names it in errors (a path or URL). */
export async function readDeb(bytes: Uint8Array, source: string): Promise<ReadDeb> {
  const { signed: _signed, ...layout } = debLayout(readAr(bytes, source), source);
  // Both members are asked for now (small xz members join this tick's batch), but read one after
  // the other: a member being streamed holds a process slot (filter-process.ts) until it is read.
  const controlSource = `${source}: ${layout.control.name}`;
  const dataSource = `${source}: ${layout.data.name}`;
  const controlTar = decompressChunks(layout.control.data, layout.control.compression, { source: controlSource });
  let dataBytes = 0;
  const dataTar = counted(decompressChunks(layout.data.data, layout.data.compression, { source: dataSource }), (n) => (dataBytes += n));
  const controlItems = await readTar(controlTar, { source: controlSource, keepData: () => true, maxKept: CONTROL_KEPT_LIMIT, maxEntries: CONTROL_ENTRY_LIMIT, limitHint: 'control.tar holds control, md5sums, conffiles and maintainer scripts, which are small; rebuild the package with dpkg-deb' });
  const controlOutside = controlItems.find((e) => !staysInside(e));
  if (controlOutside !== undefined) {
    throw new PackageFormatError(`${source}: ${layout.control.name} holds "${controlOutside.name}", which is not a name below the control directory`, { hint: 'control.tar holds ./control, ./md5sums, maintainer scripts…: no absolute names, no ".." parts; rebuild the package with dpkg-deb' });
  }
  const controlFiles = new Map(controlItems.filter((i) => i.type === 'file' && i.data !== undefined).map((i) => [stripDot(i.name), i.data as Uint8Array]));
  const controlBytes = controlFiles.get('control');
  if (controlBytes === undefined) throw new PackageFormatError(`${source}: ${layout.control.name} has no control file`, { hint: 'the package is incomplete; rebuild it' });
  const control = parseSingleParagraph(controlText(controlBytes, source), { source: `${source}: control` });
  const name = requiredField(control, 'Package', source);
  const version = requiredField(control, 'Version', source);
  const architecture = requiredField(control, 'Architecture', source);
  if (!PACKAGE_NAME.test(name)) throw new PackageFormatError(`${source}: "${name}" is not a valid package name`, { hint: 'Policy §5.6.1' });
  const parsedVersion = parseVersion(version);
  if (!parsedVersion.ok) throw new PackageFormatError(`${source}: ${parsedVersion.problem}`, { hint: 'Policy §5.6.12' });
  checkControlFields(control, source);
  checkDpkgControl(control, source);

  // dpkg-deb -x and -c fail on it ("This does not look like a tar archive"); an empty package
  // still has a data.tar of end-of-archive blocks.
  const entries = await readTar(dataTar, { source: dataSource, md5: true, maxEntries: DATA_ENTRY_LIMIT, maxSize: MAX_DECOMPRESSED_SIZE, limitHint: TOO_LARGE_HINT });
  if (dataBytes === 0) throw new PackageFormatError(`${source}: ${layout.data.name} is empty (0 bytes), not a tar archive`, { hint: 'rebuild the package with dpkg-deb (a package without files still has an empty tar archive)' });
  const outside = entries.find((e) => !staysInside(e));
  if (outside !== undefined) {
    throw new PackageFormatError(`${source}: ${layout.data.name} holds "${outside.name}"${outside.target === undefined ? '' : ` (-> ${outside.target})`}, which is not a path below the root`, { hint: 'a package installs below / only: no absolute names, no ".." parts, no control characters' });
  }
  const pax = entries.find((e) => e.pax);
  if (pax !== undefined) throw new PackageFormatError(`${source}: ${layout.data.name} uses pax extended headers ("${pax.name}"), which dpkg cannot install`, { hint: 'rebuild with dpkg-deb or GNU tar --format=gnu' });
  const order = unpackOrderProblem(entries);
  if (order !== undefined) throw new PackageFormatError(`${source}: ${layout.data.name}: ${order}, so dpkg cannot unpack it`, { hint: 'rebuild the package with dpkg-deb from the installed tree' });
  checkMd5sums(controlFiles.get('md5sums'), entries, source);
  const conffilesBytes = controlFiles.get('conffiles');
  if (conffilesBytes !== undefined) checkConffiles(utf8.decode(conffilesBytes), source);
  return {
    fileName: debFileName(name, version, architecture),
    bytes,
    control,
    paths: entries.filter((e) => e.type !== 'directory').map((e) => stripDot(e.name)),
    digests: digestsOf(bytes),
    layout,
    controlFiles,
    entries,
    // deb-conffiles(5): `[flag ]path` per line (dpkg ≥ 1.20.1 knows the flag remove-on-upgrade).
    conffiles: conffilesBytes === undefined ? [] : utf8.decode(conffilesBytes).split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter((l) => l !== ''),
  };
}

/** `chunks`, telling `count` the size of each as it passes. */
async function* counted(chunks: AsyncIterable<Uint8Array>, count: (bytes: number) => void): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of chunks) {
    count(chunk.byteLength);
    yield chunk;
  }
}

/**
 * Whether a data.tar member stays below the root it is unpacked in: a relative name (`./` or
 * bare) with no `..` part and no NUL or line break, and for a hard link a target like that. A
 * symbolic link may point anywhere (dpkg writes the link, not its target; /usr/bin/x -> /bin/y
 * is common), but its name is checked like any other.
 */
function staysInside(e: TarItem): boolean {
  const plain = (path: string): boolean => !path.startsWith('/') && !/[\0\n\r]/.test(path) && !path.split('/').includes('..');
  if (!plain(e.name)) return false;
  return e.type !== 'link' || e.target === undefined || plain(e.target);
}
