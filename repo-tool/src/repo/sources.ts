// Sources index stanzas (DebianRepository/Format, "Source Indices"; dsc(5)): the .dsc
// paragraph with `Source` renamed `Package`, the pool `Directory`, and Files/Checksums-* lists
// that start with the .dsc itself, in apt-ftparchive's field order and with its checksum set
// (MD5 in Files, SHA1, SHA256, SHA512).
import { formatParagraph } from '../format/deb822.js';
import type { Digests } from '../format/digests.js';
import type { Field, Paragraph } from '../model/paragraph.js';
import { getField } from '../model/paragraph.js';
import { orderFields, SOURCES_FIELD_ORDER } from './field-order.js';
import type { SourceEntry } from './source-entry.js';
import { compareVersions } from '../deb/version.js';

const REWRITTEN = new Set(['source', 'package', 'files', 'checksums-md5', 'checksums-sha1', 'checksums-sha256', 'checksums-sha512', 'directory', 'status']);

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function list(files: readonly { name: string; digests: Digests }[], pick: (d: Digests) => string): string {
  return files.map((f) => `\n ${pick(f.digests)} ${f.digests.size} ${f.name}`).join('');
}

export function sourceStanza(entry: SourceEntry): Paragraph {
  const all = [{ name: basename(entry.dscPoolPath), digests: entry.dscDigests }, ...entry.files];
  const fields: Field[] = [['Package', getField(entry.dsc, 'Source') ?? '']];
  for (const field of entry.dsc) if (!REWRITTEN.has(field[0].toLowerCase())) fields.push(field);
  fields.push(
    ['Directory', dirname(entry.dscPoolPath)],
    ['Files', list(all, (d) => d.md5)],
    ['Checksums-Sha1', list(all, (d) => d.sha1)],
    ['Checksums-Sha256', list(all, (d) => d.sha256)],
    ['Checksums-Sha512', list(all, (d) => d.sha512)],
  );
  return orderFields(fields, SOURCES_FIELD_ORDER);
}

export function compareSources(a: SourceEntry, b: SourceEntry): number {
  const na = getField(a.dsc, 'Source') ?? '';
  const nb = getField(b.dsc, 'Source') ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return compareVersions(getField(a.dsc, 'Version') ?? '', getField(b.dsc, 'Version') ?? '');
}

/** A whole Sources file: stanzas sorted by name then version, each followed by a blank line. */
export function formatSources(entries: readonly SourceEntry[]): string {
  return [...entries]
    .sort(compareSources)
    .map((entry) => formatParagraph(sourceStanza(entry)) + '\n')
    .join('');
}
