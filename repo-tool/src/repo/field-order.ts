// Field order of Packages and Sources stanzas. We follow apt-ftparchive (apt's
// apt-pkg/tagfile-order.c, "inspired by both dpkg and dak"), so our indexes read like Debian's:
// known fields in this order, then any other field in the order the control file had it.
import type { Field, Paragraph } from '../model/paragraph.js';

export const PACKAGES_FIELD_ORDER: readonly string[] = [
  'Package', 'Package-Type', 'Architecture', 'Architecture-Variant', 'Subarchitecture', 'Version',
  'Kernel-Version', 'Built-Using', 'Static-Built-Using', 'Built-For-Profiles', 'Auto-Built-Package',
  'Multi-Arch', 'Status', 'Priority', 'Build-Essential', 'Protected', 'Important', 'Essential',
  'Installer-Menu-Item', 'Section', 'Source', 'Origin', 'Phased-Update-Percentage', 'Maintainer',
  'Original-Maintainer', 'Bugs', 'Config-Version', 'Conffiles', 'Triggers-Awaited', 'Triggers-Pending',
  'Installed-Size', 'Provides', 'Pre-Depends', 'Depends', 'Recommends', 'Suggests', 'Conflicts',
  'Breaks', 'Replaces', 'Enhances', 'Filename', 'MSDOS-Filename', 'Size', 'MD5sum', 'SHA1', 'SHA256',
  'SHA512', 'Homepage', 'Description', 'Description-md5', 'Tag', 'Task',
];

export const SOURCES_FIELD_ORDER: readonly string[] = [
  'Package', 'Source', 'Format', 'Binary', 'Architecture', 'Architecture-Variant', 'Version', 'Priority',
  'Section', 'Origin', 'Maintainer', 'Original-Maintainer', 'Uploaders', 'Dm-Upload-Allowed',
  'Standards-Version', 'Build-Depends', 'Build-Depends-Arch', 'Build-Depends-Indep', 'Build-Conflicts',
  'Build-Conflicts-Arch', 'Build-Conflicts-Indep', 'Testsuite', 'Testsuite-Triggers', 'Homepage',
  'Description', 'Vcs-Browser', 'Vcs-Browse', 'Vcs-Arch', 'Vcs-Bzr', 'Vcs-Cvs', 'Vcs-Darcs', 'Vcs-Git',
  'Vcs-Hg', 'Vcs-Mtn', 'Vcs-Svn', 'Directory', 'Package-List', 'Files', 'Checksums-Md5', 'Checksums-Sha1',
  'Checksums-Sha256', 'Checksums-Sha512',
];

function rankMap(order: readonly string[]): ReadonlyMap<string, number> {
  return new Map(order.map((name, i) => [name.toLowerCase(), i]));
}
const RANKS = new Map<readonly string[], ReadonlyMap<string, number>>([
  [PACKAGES_FIELD_ORDER, rankMap(PACKAGES_FIELD_ORDER)],
  [SOURCES_FIELD_ORDER, rankMap(SOURCES_FIELD_ORDER)],
]);

/**
 * Reorders fields: those named in `order` first, in that order; the rest after them in their
 * original order. Names compare case-insensitively and keep their spelling.
 */
export function orderFields(fields: readonly Field[], order: readonly string[]): Paragraph {
  const ranks = RANKS.get(order) ?? rankMap(order);
  // A paragraph names a field once (deb822(5)), so each rank holds at most one field.
  const slots: (Field | undefined)[] = new Array<Field | undefined>(order.length);
  const out: Field[] = [];
  const rest: Field[] = [];
  for (const field of fields) {
    const rank = ranks.get(field[0].toLowerCase());
    if (rank === undefined || slots[rank] !== undefined) rest.push(field);
    else slots[rank] = field;
  }
  for (const field of slots) if (field !== undefined) out.push(field);
  for (const field of rest) out.push(field);
  return out;
}
