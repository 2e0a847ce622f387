// A backport version a repository already publishes is never rebuilt from changed inputs: with no
// cached build matching the inputs now, the build stops before it starts (a build would take
// minutes, then the pool would refuse other bytes under the same version), and says to raise the
// iteration. The repository is asked through its pool, as publishedSource reads it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { PublishedVersionError, runBackport } from '../../../repo-tool/src/backport/run-backport.js';
import { fallsBackToDebian, publishedSource } from '../../../repo-tool/src/build/backports.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';

const plan = { package: 'keepalived', targetSuite: 'bookworm', cacheKey: 'keepalived-bookworm-00000000000000000000000000000000', version: '1:2.3.3-1~bpo12+half1' } as BackportPlan;

describe('a published backport version', () => {
  let dir: string;
  let storage: LocalStorage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-published-'));
    storage = new LocalStorage(join(dir, 'public'));
    await storage.writeFile('pool/main/k/keepalived/keepalived_2.3.3-1~bpo12+half1.dsc', new TextEncoder().encode('dsc'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is found in the pool by its .dsc, epoch left out; others are not', async () => {
    const published = publishedSource(storage);
    expect(await published('keepalived', '1:2.3.3-1~bpo12+half1')).toBe(true);
    expect(await published('keepalived', '1:2.3.3-1~bpo12+half2')).toBe(false);
    expect(await published('keepalived', '1:2.3.3-1~bpo12+half')).toBe(false);
    expect(await publishedSource(new LocalStorage(join(dir, 'empty')))('keepalived', '1:2.3.3-1~bpo12+half1')).toBe(false);
  });

  it('stops a build whose inputs no cached entry matches, naming the version and the fix', async () => {
    const error = await runBackport(plan, { cacheDir: join(dir, 'cache'), published: publishedSource(storage) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishedVersionError);
    expect((error as ConfigError).message).toBe('keepalived 1:2.3.3-1~bpo12+half1 is already published for bookworm, and no cached build matches its inputs now (not built yet)');
    expect((error as ConfigError).hint).toMatch(/^raise "keepalived\.iteration" in pkgs\/backports\.json \(a changed maintainer/);
  });

  it('says to restore a cached build that was damaged after its version was published, not only to raise the iteration', async () => {
    const cacheDir = join(dir, 'damaged-cache');
    await mkdir(join(cacheDir, plan.cacheKey), { recursive: true });
    await writeFile(join(cacheDir, plan.cacheKey, 'backport.json'), '{"format": 1');
    const error = await runBackport(plan, { cacheDir, published: publishedSource(storage) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishedVersionError);
    expect((error as ConfigError).message).toContain(`(${join(cacheDir, plan.cacheKey, 'backport.json')} is damaged)`);
    expect((error as ConfigError).hint).toBe(`the cached build of these inputs was damaged after it was published, and a rebuild makes other bytes: restore ${join(cacheDir, plan.cacheKey)} from a backup, or raise "keepalived.iteration" in pkgs/backports.json to publish a new version`);
  });
});

describe('an optional suite', () => {
  const spec = { package: 'keepalived', suites: ['bookworm', 'trixie'], sourceDateEpoch: 0, iteration: 1, maintainer: 'M <m@example.org>', optional: ['trixie'] };

  it('keeps Debian\'s package when its backport fails, but never when the failure is a published version\'s', () => {
    const failed = new ConfigError('no build');
    expect(fallsBackToDebian(failed, spec, 'trixie')).toBe(true);
    expect(fallsBackToDebian(failed, spec, 'bookworm')).toBe(false);
    expect(fallsBackToDebian(new PublishedVersionError('published'), spec, 'trixie')).toBe(false);
    expect(fallsBackToDebian(new Error('a bug'), spec, 'trixie')).toBe(false);
  });
});
