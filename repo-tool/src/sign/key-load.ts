// Loads the private signing keys named by KeySources (key-sources.ts): reads each file or
// environment variable, parses every private key in it (armored blocks, or binary), checks it
// is fit for both apts (key-suitability.ts), decrypts it with HALF_SIGNING_KEY_PASSPHRASE when
// it is protected, and returns the signer. Every failure is a KeyError naming the source.
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { KeyError } from '../model/errors.js';
import { armorBlocks } from './armor.js';
import { describeSource, PASSPHRASE_ENV, type KeySource } from './key-sources.js';
import { assertSuitableSigningKey } from './key-suitability.js';
import { OpenPgpSigner, type LoadedKey } from './openpgp-signer.js';

export interface LoadOptions {
  /** Where `{ env }` sources and the passphrase are read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The time keys must be valid at (not expired, not revoked); default now. */
  readonly date?: Date;
}

const MAKE_KEY = 'make one with `half-repo keygen` and pass its private key file with --key';

async function readSource(source: KeySource, env: LoadOptions['env'] & object): Promise<Uint8Array> {
  const name = describeSource(source);
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined || value.trim() === '') {
      throw new KeyError(`${name} is empty`, { hint: `put an armored private key in it, or ${MAKE_KEY}` });
    }
    return new TextEncoder().encode(value);
  }
  try {
    return await readFile(source.file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist'
      : code === 'EACCES' ? 'cannot be read (permission denied)'
      : code === 'EISDIR' ? 'is a directory'
      : `cannot be read (${code ?? String(cause)})`;
    const hint = code === 'EACCES' ? "run as the key file's owner or fix its permissions (chmod 600)" : `fix the path, or ${MAKE_KEY}`;
    throw new KeyError(`${name} ${why}`, { hint, cause });
  }
}

async function parsePrivateKeys(data: Uint8Array, name: string): Promise<openpgp.PrivateKey[]> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  const blocks = armorBlocks(text);
  const privateBlocks = blocks.filter((b) => b.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----'));
  const publicOnly = (): never => {
    throw new KeyError(`${name} holds a public key, not a private key`, {
      hint: 'give the private key (e.g. gpg --export-secret-keys --armor KEYID); public keys belong in keys/',
    });
  };
  try {
    if (privateBlocks.length > 0) return (await Promise.all(privateBlocks.map((armoredKeys) => openpgp.readPrivateKeys({ armoredKeys })))).flat();
    if (blocks.some((b) => b.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----'))) publicOnly();
    if (blocks.length === 0 && data.length > 0 && ((data[0] ?? 0) & 0x80) !== 0) {
      const keys = await openpgp.readKeys({ binaryKeys: data });
      if (keys.some((k) => !k.isPrivate())) publicOnly();
      return keys as openpgp.PrivateKey[];
    }
  } catch (cause) {
    if (cause instanceof KeyError) throw cause;
    throw new KeyError(`${name} does not hold a readable OpenPGP private key: ${(cause as Error).message}`, { hint: MAKE_KEY, cause });
  }
  throw new KeyError(`${name} is not an OpenPGP private key (no "-----BEGIN PGP PRIVATE KEY BLOCK-----")`, { hint: MAKE_KEY });
}

async function unlock(key: openpgp.PrivateKey, subject: string, passphrase: string | undefined): Promise<openpgp.PrivateKey> {
  if (key.isDecrypted()) return key;
  if (passphrase === undefined || passphrase === '') {
    throw new KeyError(`${subject} is protected by a passphrase and ${PASSPHRASE_ENV} is not set`, {
      hint: `set ${PASSPHRASE_ENV} to the key's passphrase`,
    });
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (cause) {
    const message = (cause as Error).message;
    const wrong = /incorrect key passphrase/i.test(message);
    throw new KeyError(`${subject}: ${wrong ? `the passphrase in ${PASSPHRASE_ENV} is wrong` : `cannot be decrypted: ${message}`}`, {
      hint: wrong ? `set ${PASSPHRASE_ENV} to the key's passphrase` : MAKE_KEY,
      cause,
    });
  }
}

/** Loads every private key of every source (in order) and returns a signer that signs with all of them. */
export async function loadSigningKeys(sources: readonly KeySource[], options: LoadOptions = {}): Promise<OpenPgpSigner> {
  const env = options.env ?? process.env;
  const date = options.date ?? new Date();
  if (sources.length === 0) throw new KeyError('no signing key configured', { hint: `pass --key FILE or set HALF_SIGNING_KEY; or ${MAKE_KEY}` });
  const loaded: LoadedKey[] = [];
  for (const source of sources) {
    const name = describeSource(source);
    const keys = await parsePrivateKeys(await readSource(source, env), name);
    for (const parsed of keys) {
      const subject = `${name}: key ${parsed.getFingerprint().toUpperCase()}`;
      const info = await assertSuitableSigningKey(parsed, subject, date);
      const key = await unlock(parsed, subject, env[PASSPHRASE_ENV]);
      const signing = key.getKeys().find((k) => k.getFingerprint().toUpperCase() === info.signingFingerprint);
      if (signing !== undefined && 'isDummy' in signing.keyPacket && signing.keyPacket.isDummy()) {
        throw new KeyError(`${subject}: the secret part of signing key ${info.signingFingerprint} is not in this export (a GnuPG stub)`, {
          hint: 'export the signing subkey\'s secret too (gpg --export-secret-subkeys KEYID!)',
        });
      }
      loaded.push({ key, info, source: name });
    }
  }
  return new OpenPgpSigner(loaded);
}
