// debsigPolicy: the XML and paths (golden), its validation, and debsig-verify reading it under
// both ID forms it supports (fingerprint folder, and the 16-hex long key ID fallback).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyError } from '../../../repo-tool/src/model/errors.js';
import { debsigPolicy } from '../../../repo-tool/src/sign/debsig-policy.js';
import { GPG_ORIGIN_MEMBER, signGpgOrigin } from '../../../repo-tool/src/sign/gpg-origin.js';
import type { GeneratedSigningKey } from '../../../repo-tool/src/sign/key-generate.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { appendArMember, buildTestDeb, debsigVerify, installDebsigPolicy, readAr } from './helpers/deb.js';
import { expectGolden } from './helpers/golden.js';
import { SIGN_DATE, testKey } from './helpers/keys.js';
import { run, tempDir } from './helpers/run.js';

const FPR = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('debsigPolicy (pure)', () => {
  it('renders the policy and names the paths debsig-verify looks in', async () => {
    const policy = debsigPolicy({ fingerprint: FPR, name: 'half', keyringFile: 'half-archive-keyring.gpg' });
    expect(policy.policyPath).toBe(`/etc/debsig/policies/${FPR}/half.pol`);
    expect(policy.keyringPath).toBe(`/usr/share/debsig/keyrings/${FPR}/half-archive-keyring.gpg`);
    await expectGolden('half.pol', policy.policyXml);
  });

  it('accepts spaced lowercase fingerprints and 16-hex long key IDs; escapes the description', () => {
    const spaced = debsigPolicy({ fingerprint: '0123 4567 89ab cdef 0123  4567 89AB CDEF 0123 4567', name: 'half', keyringFile: 'k.gpg', description: 'A & B <"x">' });
    expect(spaced.policyPath).toBe(`/etc/debsig/policies/${FPR}/half.pol`);
    expect(spaced.policyXml).toContain('Description="A &amp; B &lt;&quot;x&quot;&gt;"');
    expect(debsigPolicy({ fingerprint: '89ABCDEF01234567', name: 'half', keyringFile: 'k.gpg' }).keyringPath).toBe('/usr/share/debsig/keyrings/89ABCDEF01234567/k.gpg');
  });

  it('refuses what is not a fingerprint, and names that are not plain file names', () => {
    expect(() => debsigPolicy({ fingerprint: 'F00', name: 'half', keyringFile: 'k.gpg' })).toThrow(KeyError);
    expect(() => debsigPolicy({ fingerprint: FPR, name: '../etc', keyringFile: 'k.gpg' })).toThrow(/name "..\/etc" is not a plain file name/);
    expect(() => debsigPolicy({ fingerprint: FPR, name: 'half', keyringFile: 'a/b.gpg' })).toThrow(/keyringFile "a\/b.gpg"/);
  });
});

describe('debsigPolicy with debsig-verify', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let key: GeneratedSigningKey;
  let signedPath: string;

  beforeAll(async () => {
    tmp = await tempDir('debsig');
    key = await testKey('policy');
    const deb = await buildTestDeb(tmp.dir);
    const [debianBinary, controlTar, dataTar] = readAr(deb).map((m) => m.data);
    if (!debianBinary || !controlTar || !dataTar) throw new Error('unexpected .deb');
    const signer = await loadSigningKeys([{ env: 'K' }], { env: { K: key.privateArmored }, date: SIGN_DATE });
    signedPath = join(tmp.dir, 'signed.deb');
    await writeFile(signedPath, appendArMember(deb, GPG_ORIGIN_MEMBER, await signGpgOrigin(signer, { debianBinary, controlTar, dataTar }, SIGN_DATE)));
  });
  afterAll(() => tmp.cleanup());

  it.each([
    ['fingerprint', (fpr: string) => fpr],
    ['long key ID', (fpr: string) => fpr.slice(-16)],
  ])('is found and passes when its folder is named by the %s', async (_, id) => {
    const root = join(tmp.dir, `root-${id(key.fingerprint)}`);
    await mkdir(root);
    const policy = debsigPolicy({ fingerprint: id(key.fingerprint), name: 'half', keyringFile: 'half.gpg' });
    await installDebsigPolicy(root, policy, key.publicBinary);
    const listed = run('debsig-verify', ['--list-policies', '--root', root, signedPath]);
    expect(listed.stdout).toMatch(/Usable: half\.pol/);
    expect(debsigVerify(root, signedPath).code).toBe(0);
  });
});
