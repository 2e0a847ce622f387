import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseDeb822 } from '../../../repo-tool/src/format/deb822.js';
import { ConfigError, PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';
import { MemoryChunkCache } from '../../../repo-tool/src/repo/chunk-cache.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import type { RepoConfig } from '../../../repo-tool/src/repo/config.js';
import { ChunkedIndexCompressor } from '../../../repo-tool/src/repo/index-compressor.js';
import { planRepository } from '../../../repo-tool/src/repo/plan.js';
import type { RepoInput } from '../../../repo-tool/src/repo/plan.js';
import type { RepoPlan } from '../../../repo-tool/src/repo/plan-model.js';
import { fakeEntry } from './helpers/entries.js';

const DATE = new Date('2026-11-20T10:00:00Z');
const BOTH = ['bookworm', 'trixie'];

function input(items: ReturnType<typeof fakeEntry>[], config: RepoConfig = defaultRepoConfig): RepoInput {
  return { config, date: DATE, binaries: items.map((i) => i.entry), sources: [], additions: items.map((i) => i.file), compressor: new ChunkedIndexCompressor(new MemoryChunkCache()) };
}

function indexText(plan: RepoPlan, path: string): string {
  for (const suite of plan.suites) {
    const file = suite.indexes.find((x) => x.path === path);
    if (file !== undefined) return new TextDecoder().decode(path.endsWith('.gz') ? gunzipSync(file.bytes) : file.bytes);
  }
  throw new Error(`${path} not planned`);
}

describe('planRepository', () => {
  it('lists the last keepVersions versions per package and architecture, and reports the rest as unreferenced', async () => {
    const items = ['0.1', '0.2', '0.10', '0.9'].map((v) => fakeEntry('half', v, 'all', BOTH));
    const plan = await planRepository(input(items, { ...defaultRepoConfig, keepVersions: 2 }));
    const listed = parseDeb822(indexText(plan, 'dists/trixie/half/binary-amd64/Packages'), { source: 'Packages' }).map((p) => getField(p, 'Version'));
    expect(listed).toEqual(['0.9', '0.10']);
    expect(plan.unreferenced).toEqual(['pool/half/h/half/half_0.1_all.deb', 'pool/half/h/half/half_0.2_all.deb']);
    // New files are written even when already unlisted: the database knows them until collected.
    expect(plan.pool.filter((f) => f.bytes !== undefined)).toHaveLength(4);
  });

  it('lists each package only in its suites, and makes identical suites share index bytes', async () => {
    const plan = await planRepository(input([fakeEntry('half', '1', 'all', BOTH), fakeEntry('kernel-pin', '1', 'amd64', ['bookworm'])]));
    const names = (codename: string) => parseDeb822(indexText(plan, `dists/${codename}/half/binary-amd64/Packages`), { source: codename }).map((p) => getField(p, 'Package'));
    expect(names('bookworm')).toEqual(['half', 'kernel-pin']);
    expect(names('trixie')).toEqual(['half']);
    const same = await planRepository(input([fakeEntry('half', '1', 'all', BOTH)]));
    const [a, b] = same.suites.map((s) => s.indexes.find((x) => x.path.endsWith('binary-amd64/Packages.xz')));
    expect(a?.bytes).toBe(b?.bytes);
    expect(same.symlinks).toEqual([
      { path: 'dists/oldstable', target: 'bookworm' },
      { path: 'dists/stable', target: 'trixie' },
    ]);
  });

  it('lists uncompressed Contents in Release with the digests of the text the .gz holds', async () => {
    const plan = await planRepository(input([fakeEntry('half', '1', 'all', BOTH)]));
    const trixie = plan.suites.find((s) => s.codename === 'trixie');
    expect(trixie?.indexes.some((x) => x.path === 'dists/trixie/half/Contents-amd64')).toBe(false);
    const contents = indexText(plan, 'dists/trixie/half/Contents-amd64.gz');
    expect(contents).toMatch(/^usr\/share\/doc\/half\/README +net\/half\n$/);
    const [release] = parseDeb822(trixie?.release ?? '', { source: 'Release' });
    const line = (getField(release ?? [], 'SHA256') ?? '').split('\n').find((l) => l.endsWith(' half/Contents-amd64'));
    expect(line?.trim().split(/\s+/)[1]).toBe(String(contents.length));
  });

  it('refuses packages placed outside the configuration, and two files under one identity', async () => {
    await expect(planRepository(input([fakeEntry('half', '1', 'all', ['sid'])]))).rejects.toThrow(ConfigError);
    await expect(planRepository(input([fakeEntry('half', '1', 'arm64', BOTH)]))).rejects.toThrow(/architecture "arm64", which is not configured/);
    const a = fakeEntry('half', '1', 'all', BOTH);
    const b = fakeEntry('half', '1', 'all', BOTH, 'half');
    const twin = { ...b, entry: { ...b.entry, poolPath: 'pool/half/h/half-src/half_1_all.deb', digests: { ...b.entry.digests, sha256: '0'.repeat(64) } } };
    await expect(planRepository({ ...input([a]), binaries: [a.entry, twin.entry] })).rejects.toThrow(PackageFormatError);
  });
});
