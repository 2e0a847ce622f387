// A backport version a repository already publishes, with no cached build of its inputs (the
// cache deleted, a throwaway CI cache, another mirror): the build is reproducible, so it is made
// again and used when every file the pool holds of it is the same, byte for byte; a rebuild that
// differs is refused, naming the file and the fix (a new iteration), and cached, so that the next
// run refuses at once instead of building again; a cached build that differs is refused too. The
// repository is asked through its pool, as publishedSource reads it; the build is a fake one
// (test/helpers/fake-backport-builder.ts) writing chosen bytes.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCachedResult } from '../../../repo-tool/src/backport/backport-cache.js';
import type { BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { PublishedVersionError, runBackport } from '../../../repo-tool/src/backport/run-backport.js';
import { fallsBackToDebian, publishedSource } from '../../../repo-tool/src/build/backports.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { fakeBuilder, fakeBuildNames, type FakeBuildBytes } from '../../helpers/fake-backport-builder.js';

const plan = { package: 'keepalived', targetSuite: 'bookworm', architecture: 'amd64', cacheKey: 'keepalived-bookworm-00000000000000000000000000000000', version: '1:2.3.3-1~bpo12+half1' } as BackportPlan;
const names = fakeBuildNames(plan);
const BYTES: FakeBuildBytes = { deb: 'the deb', orig: 'upstream', debianTar: 'debian/ of the backport' };

describe('a published backport version', () => {
  let dir: string;
  let storage: LocalStorage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-published-'));
    storage = new LocalStorage(join(dir, 'public'));
    // the pool as a publish of the fake build left it
    const made = await fakeBuilder(() => BYTES).build(plan, { cacheDir: dir, work: join(dir, 'first'), logFile: join(dir, 'first.log') }, { info: () => undefined, warn: () => undefined });
    for (const name of [names.deb, names.dsc, names.orig, names.debianTar]) {
      await storage.writeFile(`pool/main/k/keepalived/${name}`, await readFile(join(made, name)));
    }
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is found in the pool by its .dsc, epoch left out, and reads its files by name; others are not', async () => {
    const published = publishedSource(storage);
    const version = await published('keepalived', '1:2.3.3-1~bpo12+half1');
    expect(new TextDecoder().decode(await version?.read(names.debianTar))).toBe(BYTES.debianTar);
    expect(await version?.read('keepalived_2.3.3-1~bpo12+half1_arm64.deb')).toBeUndefined();
    expect(await published('keepalived', '1:2.3.3-1~bpo12+half2')).toBeUndefined();
    expect(await published('keepalived', '1:2.3.3-1~bpo12+half')).toBeUndefined();
    expect(await publishedSource(new LocalStorage(join(dir, 'empty')))('keepalived', '1:2.3.3-1~bpo12+half1')).toBeUndefined();
  });

  describe.runIf(process.getuid?.() === 0)('with no cached build (building needs root)', () => {
    it('is rebuilt from an empty cache, taken when the rebuild is byte-identical, and stored in the cache', async () => {
      const cacheDir = join(dir, 'empty-cache');
      const builder = fakeBuilder(() => BYTES);
      const result = await runBackport(plan, { cacheDir, builder, published: publishedSource(storage) });
      expect(builder.builds).toBe(1);
      expect(result.cached).toBe(false);
      expect(await readFile(result.source.files.find((f) => f.endsWith(names.debianTar))!, 'utf8')).toBe(BYTES.debianTar);
      expect('result' in (await readCachedResult(cacheDir, plan))).toBe(true);
      const again = await runBackport(plan, { cacheDir, builder, published: publishedSource(storage) });
      expect([again.cached, builder.builds]).toEqual([true, 1]);
    });

    it('refuses a rebuild that differs from the published files, naming the file and the fix; caches it, so the next run refuses without building', async () => {
      const cacheDir = join(dir, 'other-bytes');
      const builder = fakeBuilder(() => ({ ...BYTES, debianTar: 'debian/ of another build' }));
      const error = await runBackport(plan, { cacheDir, builder, published: publishedSource(storage) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishedVersionError);
      expect((error as ConfigError).exitCode).toBe(9);
      expect((error as ConfigError).message).toBe(`keepalived 1:2.3.3-1~bpo12+half1 is already published for bookworm, and its rebuild (no cached build: not built yet) differs from the published ${names.debianTar}, ${names.dsc}`);
      const entry = join(cacheDir, plan.cacheKey);
      expect((error as ConfigError).hint).toBe(`raise "keepalived.iteration" in pkgs/backports.json (a changed maintainer, sourceDateEpoch, HALF example file or build image makes other bytes), or build with the cache the published one came from (this build is kept in ${entry}, so later runs refuse at once: delete it to build again)`);
      expect((await readdir(cacheDir)).filter((name) => name.startsWith('work-'))).toEqual([]);

      const cached = await readCachedResult(cacheDir, plan);
      expect('result' in cached && (await readFile(cached.result.source.files.find((f) => f.endsWith(names.debianTar))!, 'utf8'))).toBe('debian/ of another build');
      const again = await runBackport(plan, { cacheDir, builder, published: publishedSource(storage) }).catch((e: unknown) => e);
      expect(builder.builds).toBe(1);
      expect(again).toBeInstanceOf(PublishedVersionError);
      expect((again as ConfigError).message).toBe(`keepalived 1:2.3.3-1~bpo12+half1 is already published for bookworm, and the cached build of these inputs (${entry}) differs from the published ${names.debianTar}, ${names.dsc}`);
      expect((again as ConfigError).hint).toBe(`raise "keepalived.iteration" in pkgs/backports.json, or build with the cache the published one came from (deleting ${entry} builds it again)`);

      // a repository that does not publish the version takes the cached build as it is
      const unpublished = await runBackport(plan, { cacheDir, builder, published: publishedSource(new LocalStorage(join(dir, 'none'))) });
      expect([unpublished.cached, builder.builds]).toEqual([true, 1]);
    });

    it('says to restore a cached build that was damaged after its version was published, when the rebuild differs', async () => {
      const cacheDir = join(dir, 'damaged-cache');
      const entry = join(cacheDir, plan.cacheKey);
      await mkdir(entry, { recursive: true });
      await writeFile(join(entry, 'backport.json'), '{"format": 1');
      const builder = fakeBuilder(() => ({ ...BYTES, deb: 'another deb' }));
      const error = await runBackport(plan, { cacheDir, builder, published: publishedSource(storage) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishedVersionError);
      expect((error as ConfigError).message).toContain(`(no cached build: ${join(entry, 'backport.json')} is damaged) differs from the published ${names.deb}`);
      expect((error as ConfigError).hint).toBe(`the cached build of these inputs was damaged after it was published, and a rebuild makes other bytes: restore ${entry} from a backup, or raise "keepalived.iteration" in pkgs/backports.json to publish a new version (this build is kept in ${entry}, so later runs refuse at once: delete it to build again)`);
      // deleted as the hint says, a build of the published bytes takes its place
      await rm(entry, { recursive: true });
      const result = await runBackport(plan, { cacheDir, builder: fakeBuilder(() => BYTES), published: publishedSource(storage) });
      expect(result.directory).toBe(entry);
      expect(result.cached).toBe(false);
      expect('result' in (await readCachedResult(cacheDir, plan))).toBe(true);
    });
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
