// The .deb origin signature against debsig-verify 0.28, on a package built by dpkg-deb.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debsigKeyring } from '../../../repo-tool/src/sign/debsig-keyring.js';
import { debsigPolicy } from '../../../repo-tool/src/sign/debsig-policy.js';
import { GPG_ORIGIN_MEMBER, gpgOriginPayload, signGpgOrigin, type SignedDebMembers } from '../../../repo-tool/src/sign/gpg-origin.js';
import type { GeneratedSigningKey } from '../../../repo-tool/src/sign/key-generate.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { readPackets, readSignature } from '../../../repo-tool/src/sign/packets.js';
import { appendArMember, buildTestDeb, debsigVerify, installDebsigPolicy, readAr } from './helpers/deb.js';
import { SIGN_DATE, testKey } from './helpers/keys.js';
import { run, runBytes, tempDir } from './helpers/run.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let deb: Uint8Array;
let members: SignedDebMembers;
let a: GeneratedSigningKey;
let b: GeneratedSigningKey;

beforeAll(async () => {
  tmp = await tempDir('origin');
  deb = await buildTestDeb(tmp.dir);
  const [debianBinary, controlTar, dataTar] = readAr(deb).map((m) => m.data);
  if (!debianBinary || !controlTar || !dataTar) throw new Error('dpkg-deb made an unexpected archive');
  members = { debianBinary, controlTar, dataTar };
  [a, b] = await Promise.all([testKey('origin-a'), testKey('origin-b', 'rsa4096')]);
});
afterAll(() => tmp.cleanup());

let counter = 0;
/** Signs the test .deb with `keys` (in order) and writes it; returns its path. */
async function signedDeb(keys: readonly GeneratedSigningKey[], mutate: (bytes: Uint8Array) => void = () => {}): Promise<string> {
  const signer = await loadSigningKeys(keys.map((_, i) => ({ env: `K${i}` })), { env: Object.fromEntries(keys.map((k, i) => [`K${i}`, k.privateArmored])), date: SIGN_DATE });
  const signed = appendArMember(deb, GPG_ORIGIN_MEMBER, await signGpgOrigin(signer, members, SIGN_DATE));
  mutate(signed);
  const path = join(tmp.dir, `signed-${++counter}.deb`);
  await writeFile(path, signed);
  return path;
}

/** A debsig root trusting `trusted` keys: one policy per key, each keyring holding all of them (its own key first). */
async function debsigRoot(trusted: readonly GeneratedSigningKey[]): Promise<string> {
  const root = join(tmp.dir, `root-${++counter}`);
  await mkdir(root);
  for (const key of trusted) {
    const keyring = debsigKeyring(key.fingerprint, trusted.map((k) => k.publicBinary));
    await installDebsigPolicy(root, debsigPolicy({ fingerprint: key.fingerprint, name: 'half', keyringFile: 'half-archive-keyring.gpg' }), keyring);
  }
  return root;
}

describe('_gpgorigin', () => {
  it('covers debian-binary ‖ control.tar ‖ data.tar exactly as ar stores them', async () => {
    const path = join(tmp.dir, 'plain.deb');
    await writeFile(path, deb);
    const names = run('ar', ['t', path]).stdout.trim().split('\n');
    expect(names).toEqual(['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    const fromAr = Buffer.concat(names.map((n) => runBytes('ar', ['p', path, n])));
    expect(Buffer.from(gpgOriginPayload(members))).toEqual(fromAr);
    expect(Buffer.from(gpgOriginPayload(members)).subarray(0, 4).toString()).toBe('2.0\n');
  });

  it('is accepted by debsig-verify under a policy for our key, and dpkg-deb still reads the package', async () => {
    const path = await signedDeb([a]);
    expect(run('ar', ['t', path]).stdout.trim().split('\n')).toEqual(['debian-binary', 'control.tar.xz', 'data.tar.xz', '_gpgorigin']);
    const verdict = debsigVerify(await debsigRoot([a]), path);
    expect(verdict.code, verdict.output).toBe(0);
    expect(verdict.output).toMatch(/Verified package from 'half archive signing key' \(half\)/);
    expect(run('dpkg-deb', ['--info', path]).stdout).toMatch(/Package: half-sign-test/);
  });

  it('is binary, one SHA-512 signature packet per key, and reproducible', async () => {
    const signer = await loadSigningKeys([{ env: 'A' }, { env: 'B' }], { env: { A: a.privateArmored, B: b.privateArmored }, date: SIGN_DATE });
    const first = await signGpgOrigin(signer, members, SIGN_DATE);
    expect(Buffer.from(await signGpgOrigin(signer, members, SIGN_DATE))).toEqual(Buffer.from(first));
    const packets = readPackets(first);
    if (!packets.ok) throw new Error(packets.error);
    const sigs = packets.value.map((p) => readSignature(p.body)).map((r) => (r.ok ? r.value : undefined));
    expect(sigs.map((s) => [s?.signatureType, s?.hashAlgorithm, s?.issuerFingerprint])).toEqual([
      [0x00, 10, a.fingerprint],
      [0x00, 10, b.fingerprint],
    ]);
  });

  it('is rejected when the package was tampered with (exit 13)', async () => {
    const dataStart = 8 + 3 * 60 + members.debianBinary.length + members.controlTar.length + (members.controlTar.length % 2);
    const path = await signedDeb([a], (bytes) => {
      const at = dataStart + Math.floor(members.dataTar.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    });
    const verdict = debsigVerify(await debsigRoot([a]), path);
    expect(verdict.code, verdict.output).toBe(13);
  });

  it('is rejected when signed by a key the policies do not know (exit 11), or not signed at all (exit 10)', async () => {
    const root = await debsigRoot([a]);
    expect(debsigVerify(root, await signedDeb([b])).code).toBe(11);
    const unsigned = join(tmp.dir, 'unsigned.deb');
    await writeFile(unsigned, deb);
    expect(debsigVerify(root, unsigned).code).toBe(10);
  });

  it('with two signing keys verifies when every key is in the keyring, in either order', async () => {
    const root = await debsigRoot([a, b]);
    expect(debsigVerify(root, await signedDeb([a, b])).code).toBe(0);
    expect(debsigVerify(root, await signedDeb([b, a])).code).toBe(0);
    // debsig-verify runs gpg --verify over all signature packets: a keyring missing one key fails.
    expect(debsigVerify(await debsigRoot([a]), await signedDeb([a, b])).code).toBe(13);
  });
});
