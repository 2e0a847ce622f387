import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../repo-tool/src/publish/clock.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { publish } from '../../../repo-tool/src/publish/publish.js';
import type { DebInspector } from '../../../repo-tool/src/repo/deb-inspector.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import { inspectWithDpkgDeb } from '../repo/helpers/debs.js';
import type { DebSpec } from '../repo/helpers/debs.js';
import { planRound, publishRound } from '../repo/helpers/scenario.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import type { TestKey } from '../repo/helpers/signer.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';
import { SpyStorage } from './helpers.js';

const T0 = new Date('2026-11-20T10:00:00Z');
const CONFIG = { ...defaultRepoConfig, suites: [{ codename: 'trixie', suite: 'stable' }] };

function countingInspector(): { inspect: DebInspector; seen: string[] } {
  const seen: string[] = [];
  return { seen, inspect: async (bytes, name) => (seen.push(name), inspectWithDpkgDeb(bytes, name)) };
}

describe('incremental publishing', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  beforeAll(async () => {
    dir = await makeTempDir('incremental');
    out = join(dir, 'repo');
    key = await makeTestKey();
    const debs: DebSpec[] = Array.from({ length: 24 }, (_, i) => ({ name: `pkg${i}`, version: '1.0', architecture: i % 3 === 0 ? 'all' : 'amd64' }));
    await publishRound(new LocalStorage(out), key.signer, dir, { config: CONFIG, date: T0, debs });
  });
  afterAll(async () => removeTempDir(dir));

  it('does not read or inspect unchanged .debs when one package changes', async () => {
    const storage = new SpyStorage(new LocalStorage(out));
    const { inspect, seen } = countingInspector();
    const date = new Date(T0.getTime() + 60_000);
    const plan = await planRound(storage, dir, { config: CONFIG, date, inspect, debs: [{ name: 'pkg5', version: '1.1', architecture: 'amd64' }] });
    await publish(plan, storage, key.signer, fixedClock(date));
    expect(storage.reads((p) => p.endsWith('.deb'))).toEqual([]);
    expect(seen).toEqual([]);
    expect(plan.binaries).toHaveLength(25);
  });

  it('re-reads exactly the pool file whose size, mtime or inode changed', async () => {
    const touched = 'pool/half/p/pkg7/pkg7_1.0_amd64.deb';
    await utimes(join(out, touched), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    const storage = new SpyStorage(new LocalStorage(out));
    const { inspect, seen } = countingInspector();
    const date = new Date(T0.getTime() + 120_000);
    const plan = await planRound(storage, dir, { config: CONFIG, date, inspect });
    await publish(plan, storage, key.signer, fixedClock(date));
    expect(storage.reads((p) => p.endsWith('.deb'))).toEqual([touched]);
    expect(seen).toEqual(['pkg7_1.0_amd64.deb']);
    // The new stat is recorded: the next publish reads nothing again.
    const again = new SpyStorage(new LocalStorage(out));
    const later = new Date(T0.getTime() + 180_000);
    await publish(await planRound(again, dir, { config: CONFIG, date: later }), again, key.signer, fixedClock(later));
    expect(again.reads((p) => p.endsWith('.deb'))).toEqual([]);
  });
});
