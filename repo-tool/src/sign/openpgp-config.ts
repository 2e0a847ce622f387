// The OpenPGP.js settings every HALF key and signature is made with (RFC 9580 §5.2.3 hash
// choice; OpenPGP.js v6 `config`).
import * as openpgp from 'openpgp';

export const OPENPGP_CONFIG = {
  // v4 keys: Debian 12's gpgv (GnuPG 2.2) cannot read v6 keys.
  v6Keys: false,
  // SHA-512 for signatures and self-signatures; never SHA-1 (both apts reject it).
  preferredHashAlgorithm: openpgp.enums.hash.sha512,
  // Reproducible signatures: Ed25519 and RSA PKCS#1 v1.5 are deterministic without OpenPGP.js's
  // random salt notation, so the same input, key and date give the same bytes.
  nonDeterministicSignaturesViaNotation: false,
  minRSABits: 3072,
} as const;
