// The signing role (aptly's PGPSigner, narrowed): the repository and the .deb builder sign
// through this interface only. Implementations live in repo-tool/src/sign/.

/**
 * Which loaded keys make a signature: every key (the default), the first (the key clients
 * already trust), or the others (the keys a rotation brings in).
 */
export type SigningKeys = 'all' | 'first' | 'others';

export interface Signer {
  /** Uppercase hex v4 fingerprints of every signing key, in signing order (rotation: the first is the one clients trust). */
  readonly fingerprints: readonly string[];
  /** InRelease: a cleartext-signed message (RFC 9580 §7) with one signature per key. */
  clearsign(text: string, date: Date): Promise<string>;
  /** Release.gpg: an ASCII-armored detached signature, one signature packet per key. */
  detachSignArmored(data: Uint8Array, date: Date): Promise<string>;
  /** A binary detached signature (the .deb's `_gpgorigin` and `_gpgmaint` members), by `keys` (default all). */
  detachSignBinary(data: Uint8Array, date: Date, keys?: SigningKeys): Promise<Uint8Array>;
}
