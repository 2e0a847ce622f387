// Which keys may sign: refused keys are made by OpenPGP.js (RSA-2048, v6, RFC 9580 Ed25519 in a
// v4 key, expired, revoked) and by gpg (DSA, certify-only, SHA-1 self-signatures).
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { assertSuitableSigningKey } from '../../../repo-tool/src/sign/key-suitability.js';
import { gpgHome, type GpgHome } from './helpers/gpg-home.js';
import { KEY_DATE, SIGN_DATE, testKey } from './helpers/keys.js';

const UID = { name: 'HALF refused key', email: 'refused@example.org' };

type KeyShape = Pick<openpgp.KeyOptions, 'type' | 'rsaBits' | 'keyExpirationTime'>;

async function openpgpKey(options: KeyShape, config: openpgp.PartialConfig = {}): Promise<string> {
  const { privateKey } = await openpgp.generateKey({ userIDs: [UID], date: KEY_DATE, subkeys: [], ...options, format: 'armored', config: { v6Keys: false, ...config } });
  return privateKey;
}

/** Loads `armored` from an environment variable and returns the KeyError. */
async function refusal(armored: string): Promise<KeyError> {
  try {
    await loadSigningKeys([{ env: 'HALF_TEST_KEY' }], { env: { HALF_TEST_KEY: armored }, date: SIGN_DATE });
  } catch (error) {
    if (error instanceof KeyError) return error;
    throw error;
  }
  throw new Error('the key was accepted');
}

function expectClear(error: KeyError, what: RegExp): void {
  expect(error.message).toMatch(/^environment variable HALF_TEST_KEY: key [0-9A-F]{40,64} /);
  expect(error.message).toMatch(what);
  expect(error.hint ?? '').toMatch(/half-repo keygen|gpg /);
  expect(error.exitCode).toBe(5);
}

describe('assertSuitableSigningKey', () => {
  let gpg: GpgHome;
  beforeAll(async () => {
    gpg = await gpgHome();
  });
  afterAll(() => gpg.close());

  it('accepts our Ed25519 and RSA-4096 keys and reports their fingerprints', async () => {
    for (const type of ['ed25519', 'rsa4096'] as const) {
      const made = await testKey(`ok-${type}`, type);
      const key = await openpgp.readPrivateKey({ armoredKey: made.privateArmored });
      const info = await assertSuitableSigningKey(key, 'test key', SIGN_DATE);
      expect(info).toMatchObject({ fingerprint: made.fingerprint, signingFingerprint: made.fingerprint, algorithm: type });
      expect(info.userIds).toEqual([`HALF test key ok-${type} <ok-${type}@example.org>`]);
    }
  });

  it('refuses RSA-2048 (Debian 13 will reject it)', async () => {
    expectClear(await refusal(await openpgpKey({ type: 'rsa', rsaBits: 2048 })), /RSA-2048: Debian 13's apt rejects RSA keys under 3072 bits/);
  });

  it('refuses v6 keys (Debian 12 gpgv cannot read them)', async () => {
    const error = await refusal(await openpgpKey({}, { v6Keys: true }));
    expectClear(error, /is a v6 key; Debian 12's gpgv reads only v4 keys/);
  });

  it('refuses RFC 9580 Ed25519 (algorithm 27) in a v4 key', async () => {
    expectClear(await refusal(await openpgpKey({ type: 'curve25519' })), /algorithm 27.*gpgv 2\.2 cannot verify/);
  });

  it('refuses a key created after the signing date', async () => {
    const made = await testKey('young');
    const key = await openpgp.readPrivateKey({ armoredKey: made.privateArmored });
    await expect(assertSuitableSigningKey(key, 'young key', new Date('2023-12-31T00:00:00Z'))).rejects.toThrow(
      /young key was created 2024-01-01T00:00:00.000Z, after 2023-12-31T00:00:00.000Z/,
    );
  });

  it('refuses an expired key and a revoked key', async () => {
    expectClear(await refusal(await openpgpKey({ keyExpirationTime: 3600 })), /expired on 2024-01-01T01:00:00\.000Z/);
    const { privateKey } = await openpgp.generateKey({ userIDs: [UID], date: KEY_DATE, subkeys: [], format: 'object' });
    const revoked = await openpgp.revokeKey({ key: privateKey, date: KEY_DATE, format: 'armored' });
    expectClear(await refusal(revoked.privateKey), /is revoked/);
  });

  it('refuses a DSA key made by gpg', async () => {
    const dsa = gpg.generate('HALF DSA <dsa@example.org>', 'dsa2048', 'sign');
    const error = await refusal(dsa.secretArmored);
    expectClear(error, /is a DSA key: apt \(Debian 12 and 13\) rejects DSA signatures/);
    expect(error.message).toContain(dsa.fingerprint);
  });

  it('refuses a key that cannot sign (gpg certify-only key)', async () => {
    const certOnly = gpg.generate('HALF cert only <cert@example.org>', 'ed25519', 'cert');
    expectClear(await refusal(certOnly.secretArmored), /has no key or subkey that can make signatures at 2024-06-01/);
  });

  it('refuses a key whose self-signature uses SHA-1', async () => {
    const sha1 = gpg.generate('HALF sha1 <sha1@example.org>', 'rsa3072', 'sign', ['--cert-digest-algo', 'SHA1']);
    expectClear(await refusal(sha1.secretArmored), /self-signature made with SHA1, which Debian 13's sqv rejects/);
  });

  it('accepts a gpg key that signs with a subkey and names the subkey as signing key', async () => {
    const primary = gpg.generate('HALF subkey <sub@example.org>', 'ed25519', 'cert');
    const added = gpg.gpg([...gpg.atKeyDate, '--quick-add-key', primary.fingerprint, 'ed25519', 'sign', 'never']);
    expect(added.code, added.stderr).toBe(0);
    const secret = gpg.gpg(['--armor', '--export-secret-keys', primary.fingerprint]).stdout;
    const signer = await loadSigningKeys([{ env: 'K' }], { env: { K: secret }, date: SIGN_DATE });
    expect(signer.fingerprints).toEqual([primary.fingerprint]);
    const [info] = signer.keys;
    expect(info?.signingFingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(info?.signingFingerprint).not.toBe(primary.fingerprint);
    const listing = gpg.gpg(['--with-colons', '--list-keys', primary.fingerprint]).stdout;
    expect(listing).toContain(`fpr:::::::::${info?.signingFingerprint}:`);
  });
});
