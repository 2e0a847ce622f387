// `half-repo keygen`: a v4 signing key that Debian 12's gpgv (GnuPG 2.2) and Debian 13's sqv
// both accept (RFC 9580 §5.5.2 v4 keys; EdDSA-legacy Ed25519 per RFC 9580 §5.5.5.5, or RSA 4096),
// self-signed with SHA-512. A primary key only (certify + sign), no encryption subkey.
import * as openpgp from 'openpgp';
import { KeyError } from '../model/errors.js';
import { armor } from './armor.js';
import { OPENPGP_CONFIG } from './openpgp-config.js';

export type SigningKeyType = 'ed25519' | 'rsa4096';

export interface GenerateSigningKeyOptions {
  /** User ID name, e.g. `HALF archive signing key`. */
  readonly name: string;
  readonly email: string;
  /** Key creation time (and of its self-signatures). */
  readonly date: Date;
  /** Default `ed25519`. */
  readonly type?: SigningKeyType;
  /** Encrypts the private key (S2K) when given. */
  readonly passphrase?: string;
}

export interface GeneratedSigningKey {
  /** Armored transferable secret key. Never write it into the source tree. */
  readonly privateArmored: string;
  /** Armored transferable public key (`.asc`). */
  readonly publicArmored: string;
  /** Binary transferable public key: a one-key keyring (`.gpg`, apt's Signed-By). */
  readonly publicBinary: Uint8Array;
  /** Uppercase hex v4 fingerprint (40 digits). */
  readonly fingerprint: string;
}

export async function generateSigningKey(options: GenerateSigningKeyOptions): Promise<GeneratedSigningKey> {
  const type = options.type ?? 'ed25519';
  if (!options.name.trim()) throw new KeyError('keygen: the key needs a name', { hint: 'pass a name such as "HALF archive signing key"' });
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(options.email)) {
    throw new KeyError(`keygen: "${options.email}" is not an e-mail address`, { hint: 'pass an address such as archive@example.org' });
  }
  const algorithm = type === 'ed25519' ? ({ type: 'ecc', curve: 'ed25519Legacy' } as const) : ({ type: 'rsa', rsaBits: 4096 } as const);
  let key: openpgp.PrivateKey;
  try {
    const generated = await openpgp.generateKey({
      ...algorithm,
      userIDs: [{ name: options.name, email: options.email }],
      date: options.date,
      subkeys: [],
      format: 'object',
      ...(options.passphrase !== undefined && options.passphrase !== '' ? { passphrase: options.passphrase } : {}),
      config: OPENPGP_CONFIG,
    });
    key = generated.privateKey;
  } catch (cause) {
    throw new KeyError(`keygen: generating a ${type} key failed: ${(cause as Error).message}`, { cause });
  }
  const publicBinary = key.toPublic().write();
  return {
    privateArmored: armor('PGP PRIVATE KEY BLOCK', key.write()),
    publicArmored: armor('PGP PUBLIC KEY BLOCK', publicBinary),
    publicBinary,
    fingerprint: key.getFingerprint().toUpperCase(),
  };
}
