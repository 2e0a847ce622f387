// Packages index stanzas (DebianRepository/Format, "Binary Packages Indices"; deb-control(5)).
// A stanza is the package's control file plus where the file is and its digests, in
// apt-ftparchive's field order, with Description-md5 (the key apt uses to match translations).
// One deliberate difference from `apt-ftparchive packages`: it copies a Description-md5 found
// in the control file and adds none by default; we always compute it from the Description.
import { createHash } from 'node:crypto';
import { formatParagraph } from '../format/deb822.js';
import type { PoolEntry } from '../model/artifact.js';
import type { Field, Paragraph } from '../model/paragraph.js';
import { fieldOf } from './fields.js';
import { orderFields, PACKAGES_FIELD_ORDER } from './field-order.js';
import { compareVersions } from '../deb/version.js';

/** Fields we compute (lower case); a control file's own copy of them is dropped. */
export const INDEX_FIELDS: ReadonlySet<string> = new Set(['filename', 'size', 'md5sum', 'sha1', 'sha256', 'sha512', 'description-md5', 'status']);

/** md5 of the Description value as it appears in the file, plus a newline (apt's definition). */
export function descriptionMd5(description: string): string {
  return createHash('md5').update(description).update('\n').digest('hex');
}

export function packageStanza(entry: PoolEntry): Paragraph {
  const fields: Field[] = entry.control.filter(([name]) => !INDEX_FIELDS.has(name.toLowerCase()));
  const d = entry.digests;
  fields.push(
    ['Filename', entry.poolPath],
    ['Size', String(d.size)],
    ['MD5sum', d.md5],
    ['SHA1', d.sha1],
    ['SHA256', d.sha256],
    ['SHA512', d.sha512],
  );
  const description = fieldOf(entry.control, 'Description');
  if (description !== undefined) fields.push(['Description-md5', descriptionMd5(description)]);
  return orderFields(fields, PACKAGES_FIELD_ORDER);
}

/** The stanza as text, ending with "\n" (no separating blank line). */
export function packageStanzaText(entry: PoolEntry): string {
  return formatParagraph(packageStanza(entry));
}

/** The sort key parts of a binary package: name, version, architecture. */
export interface BinaryKey {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
}

export function binaryKeyOf(control: Paragraph): BinaryKey {
  return {
    name: fieldOf(control, 'Package') ?? '',
    version: fieldOf(control, 'Version') ?? '',
    architecture: fieldOf(control, 'Architecture') ?? '',
  };
}

/** Index order: package name, then version (dpkg's ordering), then architecture. */
export function compareBinaryKeys(a: BinaryKey, b: BinaryKey): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const v = compareVersions(a.version, b.version);
  if (v !== 0) return v;
  return a.architecture < b.architecture ? -1 : a.architecture > b.architecture ? 1 : 0;
}

/** Sorts entries into index order (a new array). */
export function sortBinaries<T extends { readonly control: Paragraph }>(entries: readonly T[]): T[] {
  return entries
    .map((entry) => ({ entry, key: binaryKeyOf(entry.control) }))
    .sort((a, b) => compareBinaryKeys(a.key, b.key))
    .map(({ entry }) => entry);
}

/**
 * A whole Packages file: stanzas sorted, each followed by a blank line (as apt-ftparchive
 * writes it); empty text for no packages.
 */
export function formatPackages(entries: readonly PoolEntry[]): string {
  return sortBinaries(entries)
    .map((entry) => packageStanzaText(entry) + '\n')
    .join('');
}
