// The keyring that goes next to a debsig-verify policy (see debsig-policy.ts). debsig-verify
// 0.28 looks the policy's ID up in `gpg --show-keys --with-colons` output of that keyring, but
// its parser only ever matches the FIRST certificate (and that certificate's subkeys): the key a
// policy names must come first in its keyring. The others follow, because gpg --verify fails
// when any signature packet's key is missing. Pure: bytes in, bytes out.
import { createHash } from 'node:crypto';
import { KeyError } from '../model/errors.js';
import { PacketTag, readPackets } from './packets.js';

/** v4 fingerprint (RFC 9580 §5.5.4.2): SHA-1 over 0x99, a two-octet length and the key packet body. */
export function v4Fingerprint(keyPacketBody: Uint8Array): string {
  const header = Buffer.from([0x99, keyPacketBody.length >> 8, keyPacketBody.length & 0xff]);
  return createHash('sha1').update(header).update(keyPacketBody).digest('hex').toUpperCase();
}

/** Fingerprints of the primary key and subkeys of one binary transferable public key. */
export function certificateFingerprints(publicKey: Uint8Array): string[] {
  const packets = readPackets(publicKey);
  if (!packets.ok) throw new KeyError(`public key does not parse: ${packets.error}`, { hint: 'pass key.toPublic().write()' });
  return packets.value.filter((p) => p.tag === PacketTag.publicKey || p.tag === PacketTag.publicSubkey).map((p) => v4Fingerprint(p.body));
}

/**
 * The binary keyring for the policy of `fingerprint` (a primary or signing-subkey fingerprint,
 * or a 16-hex long key ID): the certificate holding it first, then the others in their order.
 */
export function debsigKeyring(fingerprint: string, publicKeys: readonly Uint8Array[]): Uint8Array {
  const id = fingerprint.replace(/\s+/g, '').toUpperCase();
  if (!/^([0-9A-F]{16}|[0-9A-F]{40})$/.test(id)) {
    throw new KeyError(`debsig keyring: "${fingerprint}" is not a fingerprint or long key ID`, { hint: 'pass 40 or 16 hex digits' });
  }
  const index = publicKeys.findIndex((key) => certificateFingerprints(key).some((fpr) => fpr === id || fpr.endsWith(id)));
  if (index < 0) {
    throw new KeyError(`debsig keyring: no public key has fingerprint ${id}`, { hint: 'include the public key of every signing key' });
  }
  const ordered = [publicKeys[index] as Uint8Array, ...publicKeys.filter((_, i) => i !== index)];
  return new Uint8Array(Buffer.concat(ordered));
}
