import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb822 } from '../../../repo-tool/src/format/deb822.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';
import { fixedClock } from '../../../repo-tool/src/publish/clock.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { scanPool } from '../../../repo-tool/src/publish/pool-scan.js';
import { publish } from '../../../repo-tool/src/publish/publish.js';
import { loadState } from '../../../repo-tool/src/publish/state-store.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import { importPackages } from '../../../repo-tool/src/repo/import.js';
import type { ImportOptions } from '../../../repo-tool/src/repo/import.js';
import type { RepoContents } from '../../../repo-tool/src/repo/pool-additions.js';
import { MemoryChunkCache } from '../../../repo-tool/src/repo/chunk-cache.js';
import { ChunkedIndexCompressor } from '../../../repo-tool/src/repo/index-compressor.js';
import { planRepository } from '../../../repo-tool/src/repo/plan.js';
import { inspectWithDpkgDeb, makeDeb } from './helpers/debs.js';
import { publishRound } from './helpers/scenario.js';
import { makeTestKey } from './helpers/signer.js';
import type { TestKey } from './helpers/signer.js';
import { makeNativeSource } from './helpers/sources.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';
import { snapshotTree } from './helpers/tree.js';

const DATE = new Date('2026-11-20T10:00:00Z');
const OPTIONS: ImportOptions = { config: defaultRepoConfig, inspect: inspectWithDpkgDeb };

describe('importPackages', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  let known: RepoContents;
  beforeAll(async () => {
    dir = await makeTempDir('import');
    out = join(dir, 'repo');
    key = await makeTestKey();
    await publishRound(new LocalStorage(out), key.signer, dir, { date: DATE, debs: [{ name: 'half', version: '0.1.0', architecture: 'all' }] });
    const storage = new LocalStorage(out);
    known = await scanPool(storage, await loadState(storage), { config: defaultRepoConfig, inspect: inspectWithDpkgDeb });
  });
  afterAll(async () => removeTempDir(dir));

  it('imports a backported .deb and a source package, which then publish into Packages and Sources', async () => {
    const deb = await makeDeb(join(dir, 'in'), { name: 'keepalived', version: '1:2.2.8-1~bpo12+1', architecture: 'amd64' });
    const source = await makeNativeSource(join(dir, 'src'), 'keepalived', '1:2.2.8');
    const result = await importPackages([deb.path, join(source.dir, source.dscName)], known, OPTIONS);
    expect(result.imported).toEqual(['pool/half/k/keepalived/keepalived_2.2.8-1~bpo12+1_amd64.deb', 'pool/half/k/keepalived/keepalived_2.2.8.dsc']);
    expect(result.additions.map((a) => a.path).sort()).toEqual([
      'pool/half/k/keepalived/keepalived_2.2.8-1~bpo12+1_amd64.deb',
      'pool/half/k/keepalived/keepalived_2.2.8.dsc',
      'pool/half/k/keepalived/keepalived_2.2.8.tar.xz',
    ]);
    const storage = new LocalStorage(out);
    const plan = await planRepository({ config: defaultRepoConfig, date: DATE, ...result, compressor: new ChunkedIndexCompressor(new MemoryChunkCache()) });
    await publish(plan, storage, key.signer, fixedClock(DATE));
    const packages = parseDeb822(await readFile(join(out, 'dists/trixie/half/binary-amd64/Packages'), 'utf8'), { source: 'Packages' });
    expect(packages.map((p) => getField(p, 'Package'))).toEqual(['half', 'keepalived']);
    const sources = parseDeb822(await readFile(join(out, 'dists/bookworm/half/source/Sources'), 'utf8'), { source: 'Sources' });
    expect(sources.map((p) => `${getField(p, 'Package')} ${getField(p, 'Version')}`)).toEqual(['keepalived 1:2.2.8']);
  });

  it('refuses a malformed .deb, a misnamed one and an unserved architecture, naming each, and imports none', async () => {
    const bad = join(dir, 'bad');
    await makeDeb(bad, { name: 'good', version: '1.0', architecture: 'all' });
    await writeFile(join(bad, 'broken_1.0_amd64.deb'), 'this is not an ar archive');
    const misnamed = await makeDeb(join(dir, 'misnamed'), { name: 'half-syncd', version: '0.2.0', architecture: 'amd64' });
    await rename(misnamed.path, join(bad, 'half-syncd_0.3.0_amd64.deb'));
    await makeDeb(bad, { name: 'armthing', version: '1.0', architecture: 'arm64' });
    // dpkg-deb builds it; its Source would be a folder of the pool (pool/half/W/Weird/Src/)
    await makeDeb(bad, { name: 'oddsource', version: '1.0', architecture: 'all', source: 'Weird/Src' });
    const before = await snapshotTree(out);
    const paths = ['good_1.0_all.deb', 'broken_1.0_amd64.deb', 'half-syncd_0.3.0_amd64.deb', 'armthing_1.0_arm64.deb', 'oddsource_1.0_all.deb', 'notes.txt'].map((f) => join(bad, f));
    const error = await importPackages(paths, known, OPTIONS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageFormatError);
    const message = (error as Error).message;
    expect(message).toMatch(/^import refused, nothing was imported:/);
    expect(message).toContain(`${join(bad, 'broken_1.0_amd64.deb')}: broken_1.0_amd64.deb: dpkg-deb cannot read it`);
    expect(message).toContain('half-syncd_0.3.0_amd64.deb: the file name says one thing and the control file another: it holds half-syncd 0.2.0 (amd64), which Debian names half-syncd_0.2.0_amd64.deb');
    expect(message).toContain('armthing_1.0_arm64.deb: architecture "arm64" is not served by this repository (amd64, all)');
    expect(message).toContain('notes.txt: cannot be read');
    expect(message).toContain('oddsource_1.0_all.deb: source name "Weird/Src" (its Source field) is not valid');
    expect(message).not.toContain('good_1.0_all.deb');
    expect(await snapshotTree(out)).toEqual(before);
  });

  it('refuses a different file under a published name, and accepts the same file again', async () => {
    const other = await makeDeb(join(dir, 'rebuilt'), { name: 'half', version: '0.1.0', architecture: 'all', description: 'rebuilt differently\n not the same bytes' });
    await expect(importPackages([other.path], known, OPTIONS)).rejects.toThrow(/pool\/half\/h\/half\/half_0\.1\.0_all\.deb is already in the pool with different content/);
    const same = join(dir, 'same');
    await makeDeb(same, { name: 'x', version: '1', architecture: 'all' });
    await copyFile(join(out, 'pool/half/h/half/half_0.1.0_all.deb'), join(same, 'half_0.1.0_all.deb'));
    const result = await importPackages([join(same, 'half_0.1.0_all.deb')], known, OPTIONS);
    expect(result.additions).toEqual([]);
    expect(result.binaries).toHaveLength(1);
  });

  it('names two files of one command that would share a pool path, instead of blaming the pool', async () => {
    const first = await makeDeb(join(dir, 'twin-a'), { name: 'twin', version: '1.0', architecture: 'all' });
    const second = await makeDeb(join(dir, 'twin-b'), { name: 'twin', version: '1.0', architecture: 'all', description: 'another build\n other bytes' });
    const error = await importPackages([first.path, second.path], known, OPTIONS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageFormatError);
    expect((error as Error).message).toContain('two of the files given would both be pool/half/t/twin/twin_1.0_all.deb, with different content (import one build of each package version at a time)');
  });

  it('refuses a source package whose tarball does not match the .dsc', async () => {
    const source = await makeNativeSource(join(dir, 'src-bad'), 'hello', '1.0');
    const tarball = join(source.dir, 'hello_1.0.tar.xz');
    const bytes = await readFile(tarball);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(tarball, bytes);
    await expect(importPackages([join(source.dir, source.dscName)], known, OPTIONS)).rejects.toThrow(/hello_1\.0\.dsc: hello_1\.0\.tar\.xz does not match hello_1\.0\.dsc: md5/);
  });

  it('refuses unknown suites and components as usage errors before reading anything, pointing a suite name to its codename', async () => {
    const refusal = (placement: { component: string; suites: string[] }) => importPackages(['/nonexistent.deb'], known, { ...OPTIONS, placement }).catch((e: unknown) => e);
    await expect(refusal({ component: 'half', suites: ['sid'] })).resolves.toMatchObject({ exitCode: 2, message: '--suite sid: no configured suite has that codename (bookworm, trixie)', hint: 'give a codename from "suites" in half-repo.json' });
    await expect(refusal({ component: 'half', suites: ['stable'] })).resolves.toMatchObject({ exitCode: 2, hint: '--suite takes codenames: write --suite trixie for stable' });
    await expect(refusal({ component: 'main', suites: ['trixie'] })).resolves.toMatchObject({ exitCode: 2, message: '--component main: not a configured component (half)' });
  });
});
