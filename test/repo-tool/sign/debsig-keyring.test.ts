// debsigKeyring: fingerprints computed like gpg, and the key order debsig-verify 0.28 needs.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import { certificateFingerprints, debsigKeyring } from '../../../repo-tool/src/sign/debsig-keyring.js';
import { debsigPolicy } from '../../../repo-tool/src/sign/debsig-policy.js';
import type { GeneratedSigningKey } from '../../../repo-tool/src/sign/key-generate.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { buildTestDeb, debsigVerify, installDebsigPolicy, writeSignedDeb } from './helpers/deb.js';
import { gpgHome, type GpgHome } from './helpers/gpg-home.js';
import { SIGN_DATE, testKey } from './helpers/keys.js';
import { tempDir } from './helpers/run.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let gpg: GpgHome;
let a: GeneratedSigningKey;
let b: GeneratedSigningKey;

beforeAll(async () => {
  tmp = await tempDir('debsig-keyring');
  gpg = await gpgHome();
  [a, b] = await Promise.all([testKey('kr-a'), testKey('kr-b')]);
});
afterAll(async () => {
  await gpg.close();
  await tmp.cleanup();
});

describe('certificateFingerprints', () => {
  it('computes the fingerprints gpg lists for a primary key and its subkey', () => {
    expect(certificateFingerprints(a.publicBinary)).toEqual([a.fingerprint]);
    const made = gpg.generate('HALF sub <sub@example.org>', 'ed25519', 'cert');
    expect(gpg.gpg([...gpg.atKeyDate, '--quick-add-key', made.fingerprint, 'ed25519', 'sign', 'never']).code).toBe(0);
    const listed = [...gpg.gpg(['--with-colons', '--list-keys', made.fingerprint]).stdout.matchAll(/^fpr:+([0-9A-F]{40}):/gm)].map((m) => m[1]);
    expect(listed).toHaveLength(2);
    const binary = new Uint8Array(Buffer.from(gpg.gpgBytes(['--export', made.fingerprint])));
    expect(certificateFingerprints(binary)).toEqual(listed);
  });
});

describe('debsigKeyring', () => {
  it('puts the named key first and keeps the others in order', () => {
    const c = a.publicBinary;
    expect(Buffer.from(debsigKeyring(b.fingerprint, [c, b.publicBinary]))).toEqual(Buffer.concat([b.publicBinary, c]));
    expect(Buffer.from(debsigKeyring(a.fingerprint.slice(-16), [c, b.publicBinary]))).toEqual(Buffer.concat([c, b.publicBinary]));
    expect(() => debsigKeyring('0'.repeat(40), [c])).toThrow(KeyError);
  });

  it('is what debsig-verify needs: its policy key must come first in the keyring', async () => {
    const deb = await buildTestDeb(tmp.dir);
    const signer = await loadSigningKeys([{ env: 'B' }, { env: 'A' }], { env: { A: a.privateArmored, B: b.privateArmored }, date: SIGN_DATE });
    const signed = await writeSignedDeb(join(tmp.dir, 'ba.deb'), deb, signer, SIGN_DATE);
    const policy = debsigPolicy({ fingerprint: b.fingerprint, name: 'half', keyringFile: 'half.gpg' });
    const wrongOrder = join(tmp.dir, 'root-wrong');
    await mkdir(wrongOrder);
    await installDebsigPolicy(wrongOrder, policy, new Uint8Array(Buffer.concat([a.publicBinary, b.publicBinary])));
    expect(debsigVerify(wrongOrder, signed).code).toBe(12); // no applicable policy: debsig-verify never sees key B
    const ordered = join(tmp.dir, 'root-ordered');
    await mkdir(ordered);
    await installDebsigPolicy(ordered, policy, debsigKeyring(b.fingerprint, [a.publicBinary, b.publicBinary]));
    expect(debsigVerify(ordered, signed).code).toBe(0);
  });
});
