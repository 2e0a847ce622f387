// The public keyring in apt's two Signed-By forms, checked with gpg --show-keys (nothing imported).
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import { dearmor } from '../../../repo-tool/src/sign/armor.js';
import type { GeneratedSigningKey } from '../../../repo-tool/src/sign/key-generate.js';
import { keyringFormat, publicKeyringOf, writePublicKeyring } from '../../../repo-tool/src/sign/public-keyring.js';
import { gpgHome, type GpgHome } from './helpers/gpg-home.js';
import { testKey } from './helpers/keys.js';
import { tempDir } from './helpers/run.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let gpg: GpgHome;
let a: GeneratedSigningKey;
let b: GeneratedSigningKey;

beforeAll(async () => {
  tmp = await tempDir('keyring');
  gpg = await gpgHome();
  [a, b] = await Promise.all([testKey('ring-a'), testKey('ring-b', 'rsa4096')]);
});
afterAll(async () => {
  await gpg.close();
  await tmp.cleanup();
});

const shownFingerprints = (file: string): string[] =>
  [...gpg.gpg(['--with-colons', '--show-keys', file]).stdout.matchAll(/^fpr:+([0-9A-F]{40}):/gm)].map((m) => m[1] ?? '');

describe('publicKeyringOf', () => {
  it('makes a binary keyring and one armor block that gpg reads as both keys', async () => {
    const ring = publicKeyringOf([a.publicBinary, b.publicBinary]);
    expect(Buffer.from(ring.binary)).toEqual(Buffer.concat([a.publicBinary, b.publicBinary]));
    expect(ring.armored.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----/g)).toHaveLength(1);
    const armored = dearmor(ring.armored);
    expect(armored.ok && Buffer.from(armored.bytes)).toEqual(Buffer.from(ring.binary));
    const paths = await writePublicKeyring(tmp.dir, 'half-archive-keyring', ring);
    expect(shownFingerprints(paths.gpg)).toEqual([a.fingerprint, b.fingerprint]);
    expect(shownFingerprints(paths.asc)).toEqual([a.fingerprint, b.fingerprint]);
  });

  it('refuses bytes that are not public keys', async () => {
    const secret = dearmor(a.privateArmored);
    if (!secret.ok) throw new Error(secret.error);
    expect(() => publicKeyringOf([secret.bytes])).toThrow(KeyError);
    expect(() => publicKeyringOf([new Uint8Array([1, 2, 3])])).toThrow(/public key #1 is not a binary transferable public key/);
  });
});

describe('keyringFormat', () => {
  it('tells an OpenPGP keyring from gpg keybox, armor and junk, as apt must', async () => {
    expect(keyringFormat(publicKeyringOf([a.publicBinary, b.publicBinary]).binary)).toBe('openpgp');
    expect(keyringFormat(new TextEncoder().encode(a.publicArmored))).toBe('armored');
    expect(gpg.gpg(['--import'], a.publicArmored).code).toBe(0);
    const keybox = await readFile(join(gpg.dir, 'pubring.kbx'));
    expect(keyringFormat(keybox)).toBe('keybox');
    expect(keyringFormat(new TextEncoder().encode('hello'))).toBe('unknown');
    expect(keyringFormat(new Uint8Array([0x99, 0x00, 0xff]))).toBe('unknown'); // truncated packet
  });
});

describe('writePublicKeyring', () => {
  it('writes world-readable files even under a strict umask, replacing older ones', async () => {
    const ring = publicKeyringOf([a.publicBinary]);
    await writeFile(join(tmp.dir, 'old.gpg'), 'stale');
    const previous = process.umask(0o077);
    try {
      const paths = await writePublicKeyring(tmp.dir, 'old', ring);
      expect((await stat(paths.gpg)).mode & 0o777).toBe(0o644);
      expect((await stat(paths.asc)).mode & 0o777).toBe(0o644);
      expect(Buffer.from(await readFile(paths.gpg))).toEqual(Buffer.from(ring.binary));
      expect(await readFile(paths.asc, 'utf8')).toBe(ring.armored);
    } finally {
      process.umask(previous);
    }
  });

  it('refuses file names apt would ignore', async () => {
    await expect(writePublicKeyring(tmp.dir, 'half keyring', publicKeyringOf([a.publicBinary]))).rejects.toThrow(/characters apt does not allow/);
  });
});
