import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debInspector } from '../../../repo-tool/src/build/deb-inspector.js';
import { fixedClock } from '../../../repo-tool/src/publish/clock.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { updateRepository } from '../../../repo-tool/src/publish/update.js';
import { MemoryChunkCache } from '../../../repo-tool/src/repo/chunk-cache.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import { importPackages } from '../../../repo-tool/src/repo/import.js';
import { ChunkedIndexCompressor } from '../../../repo-tool/src/repo/index-compressor.js';
import { verifyRepository } from '../../../repo-tool/src/verify/verify.js';
import { inspectWithDpkgDeb, makeDeb } from '../repo/helpers/debs.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

describe('updateRepository', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('update');
  });
  afterAll(async () => removeTempDir(dir));

  it('imports, republishes and adopts stray pool files, each time leaving a repository verify accepts', async () => {
    const key = await makeTestKey();
    const storage = new LocalStorage(join(dir, 'repo'));
    const base = { storage, config: defaultRepoConfig, signer: key.signer, inspect: inspectWithDpkgDeb, compressor: new ChunkedIndexCompressor(new MemoryChunkCache()) };
    const t0 = new Date('2026-11-20T10:00:00Z');
    const deb = await makeDeb(join(dir, 'in'), { name: 'keepalived', version: '1:2.2.8-1~bpo12+1', architecture: 'amd64' });
    const first = await updateRepository({ ...base, date: t0, clock: fixedClock(t0), add: (known) => importPackages([deb.path], known, { config: defaultRepoConfig, inspect: inspectWithDpkgDeb }) });
    expect(first.result.addedPool).toEqual(['pool/half/k/keepalived/keepalived_2.2.8-1~bpo12+1_amd64.deb']);
    expect(await verifyRepository(join(dir, 'repo'), key.publicBinary, t0)).toEqual([]);

    const t1 = new Date('2026-11-21T10:00:00Z');
    const again = await updateRepository({ ...base, date: t1, clock: fixedClock(t1) });
    expect(again.plan.binaries).toHaveLength(1);
    expect(again.scan.reread).toEqual([]);

    await makeDeb(join(dir, 'repo/pool/half/s/stray'), { name: 'stray', version: '1', architecture: 'all' });
    const t2 = new Date('2026-11-22T10:00:00Z');
    const adopted = await updateRepository({ ...base, date: t2, clock: fixedClock(t2), adoptUnknown: true });
    expect(adopted.scan.adopted).toEqual(['pool/half/s/stray/stray_1_all.deb']);
    expect(await verifyRepository(join(dir, 'repo'), key.publicBinary, t2)).toEqual([]);
  });

  it('reads again every pool file whose stat changed (a copy, a restore), and leaves out one that no longer reads or has other bytes', async () => {
    const key = await makeTestKey();
    const root = join(dir, 'restored');
    const storage = new LocalStorage(root);
    const base = { storage, config: defaultRepoConfig, signer: key.signer, inspect: debInspector, compressor: new ChunkedIndexCompressor(new MemoryChunkCache()) };
    const debs = await Promise.all(['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((name) => makeDeb(join(dir, 'in-restored'), { name, version: '1.0', architecture: 'all' })));
    const t0 = new Date('2026-11-20T10:00:00Z');
    const first = await updateRepository({ ...base, date: t0, clock: fixedClock(t0), add: (known) => importPackages(debs.map((d) => d.path), known, { config: defaultRepoConfig, inspect: debInspector }) });
    const pool = [...first.result.addedPool].sort();
    expect(pool).toHaveLength(5);
    // as a restore leaves them: the same bytes with new times, and one damaged on the way
    for (const path of pool) await utimes(join(root, path), new Date('2026-11-25T00:00:00Z'), new Date('2026-11-25T00:00:00Z'));
    const damaged = pool.find((p) => p.includes('/charlie_')) as string;
    await writeFile(join(root, damaged), 'not a deb any more');
    // another build put in place of a published one: a valid package, but not the bytes clients hold
    const replaced = pool.find((p) => p.includes('/delta_')) as string;
    const other = await makeDeb(join(dir, 'in-replaced'), { name: 'delta', version: '1.0', architecture: 'all', files: { '/usr/share/doc/delta/README': 'another build\n' } });
    await writeFile(join(root, replaced), await readFile(other.path));
    const t1 = new Date('2026-11-21T10:00:00Z');
    const again = await updateRepository({ ...base, date: t1, clock: fixedClock(t1) });
    expect([...again.scan.reread].sort()).toEqual(pool);
    expect(again.scan.warnings).toEqual([
      expect.stringMatching(new RegExp(`^${damaged.replace(/[.+]/g, '\\$&')} has other bytes than were published \\(sha256 [0-9a-f]{16}…, now [0-9a-f]{16}…\\), left out: restore it from a backup`)),
      expect.stringMatching(new RegExp(`^${replaced.replace(/[.+]/g, '\\$&')} has other bytes than were published`)),
    ]);
    expect(again.plan.binaries.map((b) => b.poolPath).sort()).toEqual(pool.filter((p) => p !== damaged && p !== replaced));
    expect(await verifyRepository(root, key.publicBinary, t1)).toEqual([]);
  });
});
