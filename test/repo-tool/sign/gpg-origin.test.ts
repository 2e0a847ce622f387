// The .deb origin signature against debsig-verify 0.28, on a package built by dpkg-deb.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debsigKeyring } from '../../../repo-tool/src/sign/debsig-keyring.js';
import { debsigPolicy } from '../../../repo-tool/src/sign/debsig-policy.js';
import { GPG_MAINT_MEMBER, GPG_ORIGIN_MEMBER, gpgOriginPayload, signDebMembers, signGpgOrigin, type SignedDebMembers } from '../../../repo-tool/src/sign/gpg-origin.js';
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
const signerOf = (keys: readonly GeneratedSigningKey[]) =>
  loadSigningKeys(keys.map((_, i) => ({ env: `K${i}` })), { env: Object.fromEntries(keys.map((k, i) => [`K${i}`, k.privateArmored])), date: SIGN_DATE });

/** Signs the test .deb with `keys` (in order, as buildDeb does) and writes it; returns its path. */
async function signedDeb(keys: readonly GeneratedSigningKey[], mutate: (bytes: Uint8Array) => void = () => {}): Promise<string> {
  const signatures = await signDebMembers(await signerOf(keys), members, SIGN_DATE);
  const signed = signatures.reduce((bytes, { name, data }) => appendArMember(bytes, name, data), deb);
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

  it('is binary, SHA-512, by the first key only; the other keys sign _gpgmaint; reproducible', async () => {
    const signer = await signerOf([a, b]);
    const signatures = await signDebMembers(signer, members, SIGN_DATE);
    expect(Buffer.from(await signGpgOrigin(signer, members, SIGN_DATE))).toEqual(Buffer.from(signatures[0]?.data ?? []));
    const issuers = (data: Uint8Array | undefined) => {
      const packets = readPackets(data ?? new Uint8Array());
      if (!packets.ok) throw new Error(packets.error);
      return packets.value.map((p) => readSignature(p.body)).map((r) => (r.ok ? [r.value.signatureType, r.value.hashAlgorithm, r.value.issuerFingerprint] : undefined));
    };
    expect(signatures.map((s) => s.name)).toEqual([GPG_ORIGIN_MEMBER, GPG_MAINT_MEMBER]);
    expect(issuers(signatures[0]?.data)).toEqual([[0x00, 10, a.fingerprint]]);
    expect(issuers(signatures[1]?.data)).toEqual([[0x00, 10, b.fingerprint]]);
    expect((await signDebMembers(await signerOf([a]), members, SIGN_DATE)).map((s) => s.name)).toEqual([GPG_ORIGIN_MEMBER]);
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

  it('rotation from a to b: verified by a client with a only, with both, and (once b signs alone) with b only', async () => {
    const [before, during, after] = await Promise.all([debsigRoot([a]), debsigRoot([a, b]), debsigRoot([b])]);
    const rotating = await signedDeb([a, b]);
    expect(run('ar', ['t', rotating]).stdout.trim().split('\n').slice(3)).toEqual([GPG_ORIGIN_MEMBER, GPG_MAINT_MEMBER]);
    for (const root of [before, during]) {
      const verdict = debsigVerify(root, rotating);
      expect(verdict.code, verdict.output).toBe(0);
    }
    const rotated = await signedDeb([b]);
    for (const root of [during, after]) {
      const verdict = debsigVerify(root, rotated);
      expect(verdict.code, verdict.output).toBe(0);
    }
    // A client that never got b's keyring package stops verifying once b signs alone (exit 11).
    expect(debsigVerify(before, rotated).code).toBe(11);
    // The next rotation (b to c) is verified by a client holding b only: _gpgmaint is not checked.
    const c = await testKey('origin-c');
    expect(debsigVerify(after, await signedDeb([b, c])).code).toBe(0);
  });

  it('a _gpgorigin made with one packet per key (before the rotation fix) verifies with every key in the keyring, in either order', async () => {
    const both = async (keys: readonly GeneratedSigningKey[]) => {
      const path = join(tmp.dir, `both-${++counter}.deb`);
      await writeFile(path, appendArMember(deb, GPG_ORIGIN_MEMBER, await (await signerOf(keys)).detachSignBinary(gpgOriginPayload(members), SIGN_DATE)));
      return path;
    };
    const root = await debsigRoot([a, b]);
    expect(debsigVerify(root, await both([a, b])).code).toBe(0);
    expect(debsigVerify(root, await both([b, a])).code).toBe(0);
    // debsig-verify runs gpg --verify over all signature packets: a keyring missing one key fails.
    expect(debsigVerify(await debsigRoot([a]), await both([a, b])).code).toBe(13);
  });
});
