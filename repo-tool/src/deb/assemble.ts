// The .deb container (deb(5)): `debian-binary` ("2.0\n"), `control.tar[.xz|.gz]`,
// `data.tar[.xz|.gz]`, and, when signed, a `_gpgorigin` member (then `_gpgmaint` during a key
// rotation) holding a detached OpenPGP signature over the three members' bytes concatenated
// (debsig-verify's "origin" and "maint" signatures; sign/gpg-origin.ts).
// Pure: compressed members in, archive bytes out.
import { writeAr, type ArMember } from '../format/ar.js';
import { compressionSuffix, type Compression } from '../format/compression.js';
import type { DebSignatureMember } from '../sign/gpg-origin.js';
import { versionWithoutEpoch } from './version.js';

export const DEBIAN_BINARY = new TextEncoder().encode('2.0\n');

export interface DebMembers {
  readonly compression: Compression;
  readonly controlTar: Uint8Array;
  readonly dataTar: Uint8Array;
  /** SOURCE_DATE_EPOCH, seconds: every member's mtime. */
  readonly mtime: number;
}

/** The three required members, in order. */
export function debMembers(m: DebMembers): ArMember[] {
  const suffix = compressionSuffix(m.compression);
  return [
    { name: 'debian-binary', data: DEBIAN_BINARY, mtime: m.mtime },
    { name: `control.tar${suffix}`, data: m.controlTar, mtime: m.mtime },
    { name: `data.tar${suffix}`, data: m.dataTar, mtime: m.mtime },
  ];
}

/** The archive; `signatures` (sign/gpg-origin.ts: signDebMembers over the three members) go last, in order. */
export function assembleDeb(m: DebMembers, signatures: readonly DebSignatureMember[] = []): Uint8Array {
  const members = debMembers(m);
  for (const { name, data } of signatures) members.push({ name, data, mtime: m.mtime });
  return writeAr(members);
}

/** `name_version-without-epoch_arch.deb` (Policy §5.6.12, dpkg-name(1)). */
export function debFileName(name: string, version: string, architecture: string): string {
  return `${name}_${versionWithoutEpoch(version)}_${architecture}.deb`;
}
