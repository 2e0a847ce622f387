// loadSigningKeys: reading sources, passphrases, and the errors a user gets for each mistake.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import { dearmor } from '../../../repo-tool/src/sign/armor.js';
import type { GeneratedSigningKey } from '../../../repo-tool/src/sign/key-generate.js';
import { loadSigningKeys, type LoadOptions } from '../../../repo-tool/src/sign/key-load.js';
import type { KeySource } from '../../../repo-tool/src/sign/key-sources.js';
import { sqv } from './helpers/apt-verify.js';
import { SIGN_DATE, testKey, writeKey } from './helpers/keys.js';
import { tempDir } from './helpers/run.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let a: GeneratedSigningKey;
let b: GeneratedSigningKey;
let locked: GeneratedSigningKey;

beforeAll(async () => {
  tmp = await tempDir('load');
  [a, b, locked] = await Promise.all([testKey('a'), testKey('b'), testKey('locked', 'ed25519', 'correct horse')]);
});
afterAll(() => tmp.cleanup());

async function keyError(sources: KeySource[], options: LoadOptions = {}): Promise<KeyError> {
  const error = await loadSigningKeys(sources, { env: {}, date: SIGN_DATE, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyError);
  const keyErr = error as KeyError;
  expect(keyErr.exitCode).toBe(5);
  expect(keyErr.hint).toBeTruthy();
  return keyErr;
}

describe('loadSigningKeys', () => {
  it('loads one file, several files, and several keys from one environment variable, in order', async () => {
    const pa = await writeKey(tmp.dir, 'a', a);
    const pb = await writeKey(tmp.dir, 'b', b);
    expect((await loadSigningKeys([{ file: pa.secret }], { env: {}, date: SIGN_DATE })).fingerprints).toEqual([a.fingerprint]);
    const files = await loadSigningKeys([{ file: pb.secret }, { file: pa.secret }], { env: {}, date: SIGN_DATE });
    expect(files.fingerprints).toEqual([b.fingerprint, a.fingerprint]);
    const env = { HALF_SIGNING_KEY: a.privateArmored + '\n' + b.privateArmored };
    const fromEnv = await loadSigningKeys([{ env: 'HALF_SIGNING_KEY' }], { env, date: SIGN_DATE });
    expect(fromEnv.fingerprints).toEqual([a.fingerprint, b.fingerprint]);
    expect(Buffer.from(fromEnv.publicKeyring().binary)).toEqual(Buffer.concat([a.publicBinary, b.publicBinary]));
  });

  it('reads a binary (non-armored) private key file', async () => {
    const bin = dearmor(a.privateArmored);
    if (!bin.ok) throw new Error(bin.error);
    const path = join(tmp.dir, 'a.key.bin');
    await writeFile(path, bin.bytes, { mode: 0o600 });
    expect((await loadSigningKeys([{ file: path }], { env: {}, date: SIGN_DATE })).fingerprints).toEqual([a.fingerprint]);
  });

  it('decrypts a protected key with HALF_SIGNING_KEY_PASSPHRASE and signs with it', async () => {
    const p = await writeKey(tmp.dir, 'locked', locked);
    const signer = await loadSigningKeys([{ file: p.secret }], { env: { HALF_SIGNING_KEY_PASSPHRASE: 'correct horse' }, date: SIGN_DATE });
    const data = join(tmp.dir, 'data');
    const sig = join(tmp.dir, 'data.sig');
    await writeFile(data, 'payload');
    await writeFile(sig, await signer.detachSignArmored(new TextEncoder().encode('payload'), SIGN_DATE));
    expect(sqv(p.gpg, sig, data).signers).toEqual([locked.fingerprint]);
  });

  it('says which passphrase is missing or wrong', async () => {
    const p = await writeKey(tmp.dir, 'locked', locked);
    const missing = await keyError([{ file: p.secret }]);
    expect(missing.message).toBe(`key file "${p.secret}": key ${locked.fingerprint} is protected by a passphrase and HALF_SIGNING_KEY_PASSPHRASE is not set`);
    const wrong = await keyError([{ file: p.secret }], { env: { HALF_SIGNING_KEY_PASSPHRASE: 'battery staple' } });
    expect(wrong.message).toBe(`key file "${p.secret}": key ${locked.fingerprint}: the passphrase in HALF_SIGNING_KEY_PASSPHRASE is wrong`);
  });

  it('names a missing file, a folder, and an empty variable', async () => {
    const nowhere = join(tmp.dir, 'no-such-key.asc');
    expect((await keyError([{ file: nowhere }])).message).toBe(`key file "${nowhere}" does not exist`);
    const folder = join(tmp.dir, 'a-folder');
    await mkdir(folder, { recursive: true });
    expect((await keyError([{ file: folder }])).message).toBe(`key file "${folder}" is a directory`);
    expect((await keyError([{ env: 'HALF_SIGNING_KEY' }], { env: { HALF_SIGNING_KEY: ' \n' } })).message).toBe('environment variable HALF_SIGNING_KEY is empty');
    expect((await keyError([])).message).toBe('no signing key configured');
  });

  it('refuses public keys (armored and binary) and things that are not keys', async () => {
    const p = await writeKey(tmp.dir, 'pub', a);
    for (const file of [p.asc, p.gpg]) {
      const error = await keyError([{ file }]);
      expect(error.message).toBe(`key file "${file}" holds a public key, not a private key`);
      expect(error.hint).toContain('keys/');
    }
    const text = join(tmp.dir, 'notes.txt');
    await writeFile(text, 'just some notes\n');
    expect((await keyError([{ file: text }])).message).toMatch(/^key file ".*notes\.txt" is not an OpenPGP private key/);
    const garbage = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n';
    expect((await keyError([{ env: 'K' }], { env: { K: garbage } })).message).toMatch(/^environment variable K does not hold a readable OpenPGP private key/);
  });

  it('refuses the same key twice', async () => {
    const p = await writeKey(tmp.dir, 'twice', a);
    expect((await keyError([{ file: p.secret }, { env: 'K' }], { env: { K: a.privateArmored } })).message).toBe(
      `environment variable K: key ${a.fingerprint} is loaded twice`,
    );
  });
});
