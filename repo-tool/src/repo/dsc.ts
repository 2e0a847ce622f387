// Debian source control files (.dsc): dsc(5), Debian Policy §5.4. A .dsc may be
// cleartext-signed (RFC 9580 §7): we strip the armor here and leave trust to the maintainer
// who imports it; the repository's own signature covers Sources.
import { parseSingleParagraph } from '../format/deb822.js';
import { stripClearsign } from './cleartext.js';
import { PackageFormatError } from '../model/errors.js';
import type { Paragraph } from '../model/paragraph.js';
import { getField } from '../model/paragraph.js';
import { PACKAGE_NAME } from '../deb/package-name.js';
import { parseVersion } from '../deb/version.js';

/** One file a .dsc lists, with the checksums it claims. */
export interface DscFile {
  readonly name: string;
  readonly size: number;
  readonly md5?: string;
  readonly sha1?: string;
  readonly sha256?: string;
  readonly sha512?: string;
}

export interface Dsc {
  readonly paragraph: Paragraph;
  readonly source: string;
  readonly version: string;
  readonly files: readonly DscFile[];
}

const LISTS = [
  ['Files', 'md5', 32],
  ['Checksums-Sha1', 'sha1', 40],
  ['Checksums-Sha256', 'sha256', 64],
  ['Checksums-Sha512', 'sha512', 128],
] as const;

/** Parses a .dsc; throws PackageFormatError naming `fileName` and the bad field. */
export function parseDsc(text: string, fileName: string): Dsc {
  const paragraph = parseSingleParagraph(stripClearsign(text), { source: fileName });
  const fail = (what: string, hint: string): never => {
    throw new PackageFormatError(`${fileName}: ${what}`, { hint });
  };
  const source = getField(paragraph, 'Source') ?? fail('has no Source field', 'a .dsc names its source package in "Source:"');
  const version = getField(paragraph, 'Version') ?? fail('has no Version field', 'a .dsc carries "Version:"');
  if (getField(paragraph, 'Format') === undefined) fail('has no Format field', 'make it with dpkg-source -b');
  if (!PACKAGE_NAME.test(source)) fail(`source name "${source}" is not a valid package name`, 'Policy §5.6.1: lowercase letters, digits, + - .');
  const parsed = parseVersion(version);
  if (!parsed.ok) fail(`version "${version}": ${parsed.problem}`, 'fix the version in debian/changelog and rebuild the source');
  const byName = new Map<string, { -readonly [K in keyof DscFile]: DscFile[K] }>();
  for (const [field, key, hexLength] of LISTS) {
    const value = getField(paragraph, field);
    if (value === undefined) continue;
    for (const line of value.split('\n')) {
      if (line.trim() === '') continue;
      const parts = line.trim().split(/\s+/);
      const [hash, sizeText, name] = parts;
      if (parts.length !== 3 || hash === undefined || sizeText === undefined || name === undefined) {
        return fail(`${field}: "${line.trim()}" is not "checksum size name"`, 'regenerate the .dsc with dpkg-source');
      }
      if (!new RegExp(`^[0-9a-f]{${hexLength}}$`).test(hash) || !/^[0-9]+$/.test(sizeText)) {
        fail(`${field}: bad checksum or size for ${name}`, 'regenerate the .dsc with dpkg-source');
      }
      if (name.includes('/') || name.startsWith('.')) fail(`${field}: file name "${name}" is not a plain file name`, 'a .dsc lists files of its own directory');
      const entry = byName.get(name) ?? { name, size: Number(sizeText) };
      if (entry.size !== Number(sizeText)) fail(`${field}: ${name} has size ${sizeText} here and ${entry.size} elsewhere`, 'regenerate the .dsc');
      entry[key] = hash;
      byName.set(name, entry);
    }
  }
  if (byName.size === 0) fail('lists no files', 'a .dsc lists its tarballs in "Files:" and "Checksums-Sha256:"');
  const files: DscFile[] = [...byName.values()];
  for (const file of files) {
    if (file.sha256 === undefined && file.md5 === undefined) fail(`${file.name} has no checksum`, 'regenerate the .dsc');
  }
  return { paragraph, source, version, files };
}
