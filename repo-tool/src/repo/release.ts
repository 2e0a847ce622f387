// Release files (DebianRepository/Format, "Release files"): the suite's description and the
// size and MD5Sum/SHA256/SHA512 of every index below dists/<codename>/, uncompressed paths
// included even when only compressed files exist (apt verifies the decompressed content
// against them). Also the small per-directory Release that apt-ftparchive and dak write in
// binary-<arch>/ and source/. Pure: the date is an argument.
import type { Paragraph } from '../model/paragraph.js';
import { formatParagraph } from '../format/deb822.js';

export interface IndexDigests {
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
  readonly sha512: string;
}

export interface ReleaseEntry {
  /** Relative to dists/<codename>/, e.g. `half/binary-amd64/Packages.xz`. */
  readonly path: string;
  readonly digests: IndexDigests;
}

export interface ReleaseInput {
  readonly origin: string;
  readonly label: string;
  readonly suite: string;
  readonly codename: string;
  readonly version?: string;
  readonly description?: string;
  readonly date: Date;
  readonly validUntil?: Date;
  readonly architectures: readonly string[];
  readonly components: readonly string[];
  readonly acquireByHash: boolean;
  readonly entries: readonly ReleaseEntry[];
}

/** RFC 2822 date in UTC as Debian's archive writes it: `Sat, 10 Jun 2023 08:52:52 UTC`. */
export function formatReleaseDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, 'UTC');
}

function hashList(entries: readonly ReleaseEntry[], pick: (d: IndexDigests) => string): string {
  return entries.map((e) => `\n ${pick(e.digests)} ${String(e.digests.size).padStart(16)} ${e.path}`).join('');
}

export function releaseParagraph(input: ReleaseInput): Paragraph {
  const entries = [...input.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fields: [string, string][] = [
    ['Origin', input.origin],
    ['Label', input.label],
    ['Suite', input.suite],
  ];
  if (input.version !== undefined) fields.push(['Version', input.version]);
  fields.push(['Codename', input.codename], ['Date', formatReleaseDate(input.date)]);
  if (input.validUntil !== undefined) fields.push(['Valid-Until', formatReleaseDate(input.validUntil)]);
  if (input.acquireByHash) fields.push(['Acquire-By-Hash', 'yes']);
  fields.push(['Architectures', input.architectures.join(' ')], ['Components', input.components.join(' ')]);
  if (input.description !== undefined) fields.push(['Description', input.description]);
  fields.push(
    ['MD5Sum', hashList(entries, (d) => d.md5)],
    ['SHA256', hashList(entries, (d) => d.sha256)],
    ['SHA512', hashList(entries, (d) => d.sha512)],
  );
  return fields;
}

export function formatRelease(input: ReleaseInput): string {
  return formatParagraph(releaseParagraph(input));
}

export interface DirectoryReleaseInput {
  readonly suite: string;
  readonly origin: string;
  readonly label: string;
  readonly version?: string;
  readonly acquireByHash: boolean;
  readonly component: string;
  /** `amd64`, `all`, or `source`. */
  readonly architecture: string;
}

/** `binary-<arch>/Release` or `source/Release`. */
export function formatDirectoryRelease(input: DirectoryReleaseInput): string {
  const fields: [string, string][] = [['Archive', input.suite], ['Origin', input.origin], ['Label', input.label]];
  if (input.version !== undefined) fields.push(['Version', input.version]);
  if (input.acquireByHash) fields.push(['Acquire-By-Hash', 'yes']);
  fields.push(['Component', input.component], ['Architecture', input.architecture]);
  return formatParagraph(fields);
}
