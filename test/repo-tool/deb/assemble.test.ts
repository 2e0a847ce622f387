// The container and its origin signature: members in deb(5) order, `_gpgorigin` last, the
// signature accepted by debsig-verify, and the signed package still read by dpkg-deb.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleDeb, debFileName } from '../../../repo-tool/src/deb/assemble.js';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { readAr } from '../../../repo-tool/src/format/ar.js';
import { makeDebsigRoot, type DebsigRoot } from './helpers/debsig.js';
import { dpkgDeb } from './helpers/dpkg-deb.js';
import { FIXTURE_EPOCH, fixture, REPO_ROOT } from './helpers/fixtures.js';
import { makeTestSigner, type TestSigner } from './helpers/test-signer.js';

let signer: TestSigner;
let debsig: DebsigRoot;
beforeAll(async () => {
  signer = await makeTestSigner(new Date((FIXTURE_EPOCH - 86_400) * 1000));
  debsig = await makeDebsigRoot(signer.longKeyId, signer.publicKeyBinary);
});
afterAll(async () => {
  await debsig?.remove();
});

describe('assembleDeb', () => {
  const parts = { compression: 'gzip' as const, controlTar: new Uint8Array([1, 2, 3]), dataTar: new Uint8Array([4, 5]), mtime: 42 };

  it('writes debian-binary, control.tar.*, data.tar.* and optionally _gpgorigin (and _gpgmaint) last', () => {
    expect(readAr(assembleDeb(parts), 't').map((m) => m.name)).toEqual(['debian-binary', 'control.tar.gz', 'data.tar.gz']);
    const signed = readAr(assembleDeb(parts, [{ name: '_gpgorigin', data: new Uint8Array([9]) }]), 't');
    expect(signed.map((m) => [m.name, m.mtime])).toEqual([['debian-binary', 42], ['control.tar.gz', 42], ['data.tar.gz', 42], ['_gpgorigin', 42]]);
    const rotation = readAr(assembleDeb(parts, [{ name: '_gpgorigin', data: new Uint8Array([9]) }, { name: '_gpgmaint', data: new Uint8Array([8]) }]), 't');
    expect(rotation.map((m) => m.name)).toEqual(['debian-binary', 'control.tar.gz', 'data.tar.gz', '_gpgorigin', '_gpgmaint']);
  });

  it('names files without the epoch', () => {
    expect(debFileName('half', '1:0.1.0-1', 'all')).toBe('half_0.1.0-1_all.deb');
  });
});

describe('buildDeb with a signer', () => {
  it('appends an _gpgorigin that debsig-verify accepts, made at mtime', async () => {
    const artifact = await buildDeb(fixture('half-fixture-plain').definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, signer });
    const members = readAr(artifact.bytes, 'signed');
    expect(members.map((m) => m.name)).toEqual(['debian-binary', 'control.tar.xz', 'data.tar.xz', '_gpgorigin']);
    const result = await debsig.verify(artifact.bytes);
    expect(result.output).toMatch(/Verified package from 'HALF test'/);
    expect(result.code).toBe(0);
  });

  it('is reproducible: the same inputs and key give the same signed bytes', async () => {
    const def = fixture('half-fixture-scripts').definition;
    const a = await buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, signer });
    const b = await buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, signer });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });

  it('is still read by dpkg-deb: same --info and --contents as unsigned', async () => {
    const def = fixture('half-fixture-tree').definition;
    const signed = await buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, signer });
    const plain = await buildDeb(def, { root: REPO_ROOT, mtime: FIXTURE_EPOCH });
    expect(await dpkgDeb(signed.bytes, '--contents')).toBe(await dpkgDeb(plain.bytes, '--contents'));
    expect((await dpkgDeb(signed.bytes, '--info')).split('\n').slice(2)).toEqual((await dpkgDeb(plain.bytes, '--info')).split('\n').slice(2));
  });

  it('fails debsig-verify when a member is tampered with', async () => {
    const artifact = await buildDeb(fixture('half-fixture-plain').definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, signer });
    const tampered = new Uint8Array(artifact.bytes);
    const data = readAr(tampered, 'signed').find((m) => m.name === 'data.tar.xz');
    if (data === undefined) throw new Error('no data member');
    tampered[data.offset + 20] = (tampered[data.offset + 20] as number) ^ 0xff;
    const result = await debsig.verify(tampered);
    expect(result.code).toBeGreaterThanOrEqual(10);
  });
});
