// The Signer role (repo-tool/src/model/signer.ts) made with OpenPGP.js: every loaded key signs
// (key rotation: one signature packet per key, in the order the keys were loaded; a binary
// signature may ask for the first key only, or the others: gpg-origin.ts), SHA-512,
// creation time = the `date` argument, no random salt notation, so Ed25519 and RSA signatures
// are byte-for-byte reproducible. Framing (armor, cleartext) is ours: armor.ts, cleartext.ts.
import * as openpgp from 'openpgp';
import { KeyError } from '../model/errors.js';
import type { Signer, SigningKeys } from '../model/signer.js';
import { armor } from './armor.js';
import { cleartextSignedText, formatCleartextSigned } from './cleartext.js';
import { OPENPGP_CONFIG } from './openpgp-config.js';
import type { SuitableKey } from './key-suitability.js';
import { readPackets, readSignature } from './packets.js';
import { publicKeyringOf, type PublicKeyring } from './public-keyring.js';

/** The `Hash:` header names (`SHA512`) of the signature packets we just made. */
function hashNamesOf(signatures: Uint8Array): string[] {
  const names = new Set<string>();
  const packets = readPackets(signatures);
  for (const packet of packets.ok ? packets.value : []) {
    const sig = readSignature(packet.body);
    if (sig.ok) names.add(openpgp.enums.read(openpgp.enums.hash, sig.value.hashAlgorithm).toUpperCase());
  }
  return [...names];
}

/** A decrypted private key and what assertSuitableSigningKey found out about it. */
export interface LoadedKey {
  readonly key: openpgp.PrivateKey;
  readonly info: SuitableKey;
  /** Where it came from, for messages (`key file "/k.asc"`). */
  readonly source: string;
}

export class OpenPgpSigner implements Signer {
  readonly fingerprints: readonly string[];
  readonly keys: readonly SuitableKey[];
  readonly #loaded: readonly LoadedKey[];

  constructor(loaded: readonly LoadedKey[]) {
    if (loaded.length === 0) throw new KeyError('no signing key loaded', { hint: 'give a key with --key FILE or HALF_SIGNING_KEY' });
    const seen = new Set<string>();
    for (const { info, source } of loaded) {
      if (seen.has(info.fingerprint)) throw new KeyError(`${source}: key ${info.fingerprint} is loaded twice`, { hint: 'name each key once' });
      seen.add(info.fingerprint);
    }
    this.#loaded = loaded;
    this.keys = loaded.map((l) => l.info);
    this.fingerprints = this.keys.map((k) => k.fingerprint);
  }

  /** Creation time of the youngest key: no signature may be dated before it. */
  newestKeyCreation(): Date {
    return new Date(Math.max(...this.#loaded.map((l) => l.key.getCreationTime().getTime())));
  }

  /** Each key's binary transferable public key, in signing order. */
  publicKeys(): Uint8Array[] {
    return this.#loaded.map((l) => l.key.toPublic().write());
  }

  /** The public keys of every signing key: binary keyring (`.gpg`) and one armor block (`.asc`). */
  publicKeyring(): PublicKeyring {
    return publicKeyringOf(this.#loaded.map((l) => l.key.toPublic().write()));
  }

  async clearsign(text: string, date: Date): Promise<string> {
    const signedText = cleartextSignedText(text);
    // A cleartext signature is a text-mode (type 0x01) signature over the canonical text
    // (RFC 9580 §7.2); OpenPGP.js makes one for a detached signature of a text message.
    const message = await openpgp.createMessage({ text: signedText, date });
    const signatures = await this.#sign('InRelease', date, 'all', (signingKeys) =>
      openpgp.sign({ message, signingKeys, date, detached: true, format: 'binary', config: OPENPGP_CONFIG }),
    );
    return formatCleartextSigned({ signedText, hashNames: hashNamesOf(signatures), signatures });
  }

  async detachSignArmored(data: Uint8Array, date: Date): Promise<string> {
    return armor('PGP SIGNATURE', await this.detachSignBinary(data, date));
  }

  async detachSignBinary(data: Uint8Array, date: Date, keys: SigningKeys = 'all'): Promise<Uint8Array> {
    const message = await openpgp.createMessage({ binary: data, date });
    return this.#sign('detached signature', date, keys, (signingKeys) =>
      openpgp.sign({ message, signingKeys, date, detached: true, format: 'binary', config: OPENPGP_CONFIG }),
    );
  }

  async #sign<T>(what: string, date: Date, keys: SigningKeys, sign: (keys: openpgp.PrivateKey[]) => Promise<T>): Promise<T> {
    const chosen = keys === 'all' ? this.#loaded : keys === 'first' ? this.#loaded.slice(0, 1) : this.#loaded.slice(1);
    if (chosen.length === 0) throw new KeyError(`signing the ${what}: only one key is loaded, there are no others to sign with`, { hint: 'ask for the other keys only when several are loaded' });
    for (const { key, source, info } of chosen) {
      if (key.getCreationTime().getTime() > date.getTime()) {
        const created = key.getCreationTime().toISOString();
        throw new KeyError(`${source}: key ${info.fingerprint} was created ${created}, after the signature date ${date.toISOString()}`, {
          hint: 'set SOURCE_DATE_EPOCH to a time after the key was created',
        });
      }
    }
    try {
      return await sign(chosen.map((l) => l.key));
    } catch (cause) {
      throw new KeyError(`signing the ${what} at ${date.toISOString()} failed: ${(cause as Error).message}`, {
        hint: 'check that every signing key is valid (not expired or revoked) at that date',
        cause,
      });
    }
  }
}
