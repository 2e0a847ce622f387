// The .deb signatures read by debsig-verify(1) (debsigs(1) member names): ar members after
// `debian-binary`, `control.tar.*`, `data.tar.*` (deb(5)), each holding a binary detached
// OpenPGP signature (RFC 9580 §5.2, type 0x00) over the raw bytes of those three members' data,
// concatenated in that order.
//
// `_gpgorigin` is signed by the FIRST signing key only. debsig-verify 0.28 picks the policy
// folder from the first signature packet of `_gpgorigin` and then runs `gpg --keyring FILE
// --verify` over the whole member, which fails when any packet's key is missing from FILE: a
// second key in `_gpgorigin` would make every client whose keyring predates that key reject the
// package, the half-archive-keyring that brings the key included. During a rotation the other
// keys sign `_gpgmaint` (debsigs' maintainer signature), which HALF's policies leave unchecked
// (debsig-policy.ts says why); once the new key is the first (or only) key, it signs `_gpgorigin`.
import type { Signer } from '../model/signer.js';

export const GPG_ORIGIN_MEMBER = '_gpgorigin';
export const GPG_MAINT_MEMBER = '_gpgmaint';

/** The member data of a .deb that the signatures cover (not the ar headers). */
export interface SignedDebMembers {
  readonly debianBinary: Uint8Array;
  readonly controlTar: Uint8Array;
  readonly dataTar: Uint8Array;
}

/** A signature member to append after `data.tar.*`. */
export interface DebSignatureMember {
  readonly name: typeof GPG_ORIGIN_MEMBER | typeof GPG_MAINT_MEMBER;
  readonly data: Uint8Array;
}

/** Pure: `debian-binary` ‖ `control.tar.*` ‖ `data.tar.*`. */
export function gpgOriginPayload(members: SignedDebMembers): Uint8Array {
  return new Uint8Array(Buffer.concat([members.debianBinary, members.controlTar, members.dataTar]));
}

/** The `_gpgorigin` member's data: the first key's signature. Deterministic for a given date (see OpenPgpSigner). */
export function signGpgOrigin(signer: Signer, members: SignedDebMembers, date: Date): Promise<Uint8Array> {
  return signer.detachSignBinary(gpgOriginPayload(members), date, 'first');
}

/** `_gpgorigin` by the first key, then, with several keys, `_gpgmaint` by the others (one packet each). */
export async function signDebMembers(signer: Signer, members: SignedDebMembers, date: Date): Promise<DebSignatureMember[]> {
  const signatures: DebSignatureMember[] = [{ name: GPG_ORIGIN_MEMBER, data: await signGpgOrigin(signer, members, date) }];
  if (signer.fingerprints.length > 1) {
    signatures.push({ name: GPG_MAINT_MEMBER, data: await signer.detachSignBinary(gpgOriginPayload(members), date, 'others') });
  }
  return signatures;
}
