// OpenPgpSigner against the real verifiers: gpgv (Debian 12's apt) and sqv (Debian 13's apt).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import type { Signer } from '../../../repo-tool/src/model/signer.js';
import { dearmor } from '../../../repo-tool/src/sign/armor.js';
import { readCleartextSigned } from '../../../repo-tool/src/sign/cleartext.js';
import type { GeneratedSigningKey } from '../../../repo-tool/src/sign/key-generate.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { OpenPgpSigner } from '../../../repo-tool/src/sign/openpgp-signer.js';
import { readPackets, readSignature } from '../../../repo-tool/src/sign/packets.js';
import { gpgvAsApt, sqv, sqvInRelease } from './helpers/apt-verify.js';
import { KEY_DATE, SIGN_DATE, testKey, writeKey } from './helpers/keys.js';
import { tempDir } from './helpers/run.js';

// A Release-like text with a line that must be dash-escaped and one with trailing spaces.
const RELEASE = [
  'Origin: HALF',
  'Label: HALF',
  'Suite: stable',
  'Codename: bookworm',
  'Date: Sat, 01 Jun 2024 12:00:00 UTC',
  'Architectures: amd64 all',
  'Components: half',
  '-----BEGIN PGP SIGNATURE----- (a line that must be escaped)',
  'SHA256:',
  ' 0f343b0931126a20f133d67c2b018a3b1e5c0b5e3a8f7d9c6e4b2a1908070605 1234 half/binary-amd64/Packages',
  '',
].join('\n');

let tmp: { dir: string; cleanup: () => Promise<void> };
let oldKey: GeneratedSigningKey;
let newKey: GeneratedSigningKey;
let paths: Record<'old' | 'new', { secret: string; gpg: string; asc: string }>;
let both: Signer & { publicKeyring(): { binary: Uint8Array; armored: string } };
let bothGpg: string;

beforeAll(async () => {
  tmp = await tempDir('signer');
  [oldKey, newKey] = await Promise.all([testKey('old', 'rsa4096'), testKey('new')]);
  paths = { old: await writeKey(tmp.dir, 'old', oldKey), new: await writeKey(tmp.dir, 'new', newKey) };
  both = await loadSigningKeys([{ file: paths.old.secret }, { file: paths.new.secret }], { env: {}, date: SIGN_DATE });
  bothGpg = join(tmp.dir, 'both.gpg');
  await writeFile(bothGpg, both.publicKeyring().binary);
});
afterAll(() => tmp.cleanup());

async function signAll(signer: Signer, name: string): Promise<{ inRelease: string; release: string; releaseGpg: string }> {
  const release = join(tmp.dir, `${name}.Release`);
  const inRelease = join(tmp.dir, `${name}.InRelease`);
  const releaseGpg = join(tmp.dir, `${name}.Release.gpg`);
  await writeFile(release, RELEASE);
  await writeFile(inRelease, await signer.clearsign(RELEASE, SIGN_DATE));
  await writeFile(releaseGpg, await signer.detachSignArmored(new TextEncoder().encode(RELEASE), SIGN_DATE));
  return { inRelease, release, releaseGpg };
}

describe('OpenPgpSigner with one key', () => {
  it('makes an InRelease and a Release.gpg that gpgv and sqv accept', async () => {
    const signer = await loadSigningKeys([{ file: paths.new.secret }], { env: {}, date: SIGN_DATE });
    expect(signer).toBeInstanceOf(OpenPgpSigner);
    expect(signer.fingerprints).toEqual([newKey.fingerprint]);
    const f = await signAll(signer, 'one');
    for (const keyring of [paths.new.gpg, paths.new.asc]) {
      expect(sqv(keyring, f.releaseGpg, f.release).signers).toEqual([newKey.fingerprint]);
      const viaSplit = await sqvInRelease(keyring, await readFile(f.inRelease, 'utf8'), tmp.dir);
      expect(viaSplit.code, viaSplit.stderr).toBe(0);
      expect(viaSplit.signers).toEqual([newKey.fingerprint]);
    }
    const inRelease = gpgvAsApt(paths.new.gpg, f.inRelease);
    expect(inRelease.accepted, inRelease.status).toBe(true);
    expect(inRelease.good).toEqual([newKey.fingerprint]);
    const detached = gpgvAsApt(paths.new.gpg, f.releaseGpg, f.release);
    expect(detached.accepted, detached.status).toBe(true);
  });

  it('refuses to sign before the key existed', async () => {
    const signer = await loadSigningKeys([{ file: paths.new.secret }], { env: {}, date: SIGN_DATE });
    const before = new Date(KEY_DATE.getTime() - 86_400_000);
    await expect(signer.clearsign(RELEASE, before)).rejects.toThrow(KeyError);
    await expect(signer.detachSignBinary(new Uint8Array([1]), before)).rejects.toThrow(/created 2024-01-01.*SOURCE_DATE_EPOCH|after the signature date/);
  });
});

describe('OpenPgpSigner with two keys (rotation)', () => {
  it('puts one signature per key into InRelease and Release.gpg, with the given creation time', async () => {
    const f = await signAll(both, 'two');
    const detached = dearmor(await readFile(f.releaseGpg, 'utf8'));
    const clear = readCleartextSigned(await readFile(f.inRelease, 'utf8'));
    if (!detached.ok || !clear.ok) throw new Error('unreadable output');
    const inlineSig = dearmor(clear.value.signatureArmor);
    if (!inlineSig.ok) throw new Error(inlineSig.error);
    for (const [bytes, type] of [[detached.bytes, 0x00], [inlineSig.bytes, 0x01]] as const) {
      const packets = readPackets(bytes);
      if (!packets.ok) throw new Error(packets.error);
      const sigs = packets.value.map((p) => readSignature(p.body)).map((r) => (r.ok ? r.value : undefined));
      expect(sigs.map((s) => s?.issuerFingerprint)).toEqual([oldKey.fingerprint, newKey.fingerprint]);
      expect(sigs.map((s) => s?.signatureType)).toEqual([type, type]);
      expect(sigs.map((s) => s?.created?.toISOString())).toEqual([SIGN_DATE.toISOString(), SIGN_DATE.toISOString()]);
      // No SHA-1 (2), MD5 (1) or RIPEMD-160 (3): SHA-512 is 10.
      expect(sigs.map((s) => s?.hashAlgorithm)).toEqual([10, 10]);
    }
  });

  it('verifies with a keyring holding only the old key, only the new key, or both', async () => {
    const f = await signAll(both, 'rot');
    const inRelease = await readFile(f.inRelease, 'utf8');
    for (const [keyring, expected] of [
      [paths.old.gpg, [oldKey.fingerprint]],
      [paths.new.gpg, [newKey.fingerprint]],
      [bothGpg, [oldKey.fingerprint, newKey.fingerprint].sort()],
    ] as const) {
      for (const verdict of [gpgvAsApt(keyring, f.inRelease), gpgvAsApt(keyring, f.releaseGpg, f.release)]) {
        expect(verdict.accepted, verdict.status).toBe(true);
        expect([...verdict.good].sort()).toEqual(expected);
        expect(verdict.hashAlgorithms.every((h) => h === 10)).toBe(true);
      }
      const detached = sqv(keyring, f.releaseGpg, f.release);
      expect(detached.code, detached.stderr).toBe(0);
      expect([...detached.signers].sort()).toEqual(expected);
      const split = await sqvInRelease(keyring, inRelease, tmp.dir);
      expect(split.code, split.stderr).toBe(0);
      expect([...split.signers].sort()).toEqual(expected);
    }
  });

  it('fails verification when the InRelease text or the Release is tampered with', async () => {
    const f = await signAll(both, 'tamper');
    const original = await readFile(f.inRelease, 'utf8');
    const tampered = original.replace('Codename: bookworm', 'Codename: bookwork');
    expect(tampered).not.toBe(original);
    await writeFile(f.inRelease, tampered);
    const verdict = gpgvAsApt(bothGpg, f.inRelease);
    expect(verdict.accepted).toBe(false);
    // gpgv stops at the first BAD signature.
    expect(verdict.bad.length).toBeGreaterThan(0);
    expect(verdict.good).toEqual([]);
    expect((await sqvInRelease(bothGpg, tampered, tmp.dir)).code).not.toBe(0);
    await writeFile(f.release, RELEASE.replace('1234', '1235'));
    expect(gpgvAsApt(bothGpg, f.releaseGpg, f.release).accepted).toBe(false);
    expect(sqv(bothGpg, f.releaseGpg, f.release).code).not.toBe(0);
  });

  it('refuses the signatures against an unrelated key', async () => {
    const stranger = await testKey('stranger');
    const strangerPaths = await writeKey(tmp.dir, 'stranger', stranger);
    const f = await signAll(both, 'stranger');
    const verdict = gpgvAsApt(strangerPaths.gpg, f.inRelease);
    expect(verdict.accepted).toBe(false);
    expect(verdict.noPubkey.length).toBe(2);
    expect(sqv(strangerPaths.gpg, f.releaseGpg, f.release).code).not.toBe(0);
  });

  it('writes InRelease the way apt requires it', async () => {
    const text = await both.clearsign(RELEASE, SIGN_DATE);
    expect(text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: HALF\n')).toBe(true);
    expect(text).toContain('\n- -----BEGIN PGP SIGNATURE----- (a line that must be escaped)\n');
    expect(text.endsWith('-----END PGP SIGNATURE-----\n')).toBe(true);
    expect(text.match(/^-----BEGIN PGP SIGNATURE-----$/gm)).toHaveLength(1);
    expect(text).not.toMatch(/\r/);
    const header = text.slice(0, text.indexOf('\n\n')).split('\n').slice(1);
    expect(header).toEqual(['Hash: SHA512']);
    // The signed text apt extracts is the Release without its final newline.
    const parts = readCleartextSigned(text);
    expect(parts.ok && parts.value.text).toBe(RELEASE.slice(0, -1));
  });

  it('makes a binary signature by the first key only, or by the others only, when asked (the .deb members)', async () => {
    const data = new TextEncoder().encode(RELEASE);
    const issuers = async (keys: 'all' | 'first' | 'others') => {
      const packets = readPackets(await both.detachSignBinary(data, SIGN_DATE, keys));
      if (!packets.ok) throw new Error(packets.error);
      return packets.value.map((p) => readSignature(p.body)).map((r) => (r.ok ? r.value.issuerFingerprint : undefined));
    };
    expect(await issuers('all')).toEqual([oldKey.fingerprint, newKey.fingerprint]);
    expect(await issuers('first')).toEqual([oldKey.fingerprint]);
    expect(await issuers('others')).toEqual([newKey.fingerprint]);
    const one = await loadSigningKeys([{ file: paths.old.secret }], { env: {}, date: SIGN_DATE });
    await expect(one.detachSignBinary(data, SIGN_DATE, 'others')).rejects.toThrow(KeyError);
  });

  it('signs reproducibly: same inputs and date give the same bytes', async () => {
    const again = await loadSigningKeys([{ file: paths.old.secret }, { file: paths.new.secret }], { env: {}, date: SIGN_DATE });
    const data = new TextEncoder().encode(RELEASE);
    expect(await again.clearsign(RELEASE, SIGN_DATE)).toBe(await both.clearsign(RELEASE, SIGN_DATE));
    expect(Buffer.from(await again.detachSignBinary(data, SIGN_DATE))).toEqual(Buffer.from(await both.detachSignBinary(data, SIGN_DATE)));
    const later = new Date(SIGN_DATE.getTime() + 1000);
    expect(await both.detachSignArmored(data, later)).not.toBe(await both.detachSignArmored(data, SIGN_DATE));
  });
});
