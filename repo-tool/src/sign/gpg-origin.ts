// The .deb origin signature read by debsig-verify(1): an ar member `_gpgorigin` (after
// `debian-binary`, `control.tar.*`, `data.tar.*`; deb(5)) holding a binary detached OpenPGP
// signature (RFC 9580 §5.2, type 0x00) over the raw bytes of those three members' data,
// concatenated in that order. One signature packet per signing key.
import type { Signer } from '../model/signer.js';

export const GPG_ORIGIN_MEMBER = '_gpgorigin';

/** The member data of a .deb that the origin signature covers (not the ar headers). */
export interface SignedDebMembers {
  readonly debianBinary: Uint8Array;
  readonly controlTar: Uint8Array;
  readonly dataTar: Uint8Array;
}

/** Pure: `debian-binary` ‖ `control.tar.*` ‖ `data.tar.*`. */
export function gpgOriginPayload(members: SignedDebMembers): Uint8Array {
  return new Uint8Array(Buffer.concat([members.debianBinary, members.controlTar, members.dataTar]));
}

/** The `_gpgorigin` member's data. Deterministic for a given date (see OpenPgpSigner). */
export function signGpgOrigin(signer: Signer, members: SignedDebMembers, date: Date): Promise<Uint8Array> {
  return signer.detachSignBinary(gpgOriginPayload(members), date);
}
