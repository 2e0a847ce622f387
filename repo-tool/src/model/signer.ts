// The signing role (aptly's PGPSigner, narrowed): the repository and the .deb builder sign
// through this interface only. Implementations live in repo-tool/src/sign/.

export interface Signer {
  /** Uppercase hex v4 fingerprints of every signing key (rotation: all of them sign). */
  readonly fingerprints: readonly string[];
  /** InRelease: a cleartext-signed message (RFC 9580 §7) with one signature per key. */
  clearsign(text: string, date: Date): Promise<string>;
  /** Release.gpg: an ASCII-armored detached signature, one signature packet per key. */
  detachSignArmored(data: Uint8Array, date: Date): Promise<string>;
  /** A binary detached signature (the .deb's `_gpgorigin` member). */
  detachSignBinary(data: Uint8Array, date: Date): Promise<Uint8Array>;
}
