import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb822 } from '../../../repo-tool/src/format/deb822.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { loadState } from '../../../repo-tool/src/publish/state-store.js';
import { defaultRepoConfig } from '../../../repo-tool/src/repo/config.js';
import type { RepoConfig } from '../../../repo-tool/src/repo/config.js';
import { publishRound } from '../repo/helpers/scenario.js';
import { makeTestKey } from '../repo/helpers/signer.js';
import type { TestKey } from '../repo/helpers/signer.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const T0 = new Date('2026-11-20T10:00:00Z').getTime();
const CONFIG: RepoConfig = { ...defaultRepoConfig, suites: [{ codename: 'trixie', suite: 'stable' }], keepVersions: 2, poolGrace: 86400, byHashRetention: 2 * 86400 };
const OLD_POOL = 'pool/half/h/half/half_0.1.0_all.deb';

async function listed(out: string): Promise<string[]> {
  const text = await readFile(join(out, 'dists/trixie/half/binary-all/Packages'), 'utf8');
  return parseDeb822(text, { source: 'Packages' }).map((p) => `${getField(p, 'Package')} ${getField(p, 'Version')}`);
}

async function byHashOf(out: string, path: string): Promise<string[]> {
  const text = await readFile(join(out, 'dists/trixie/Release'), 'utf8');
  const [release] = parseDeb822(text, { source: 'Release' });
  const line = (getField(release ?? [], 'SHA256') ?? '').split('\n').find((l) => l.trim().endsWith(` ${path}`));
  const hash = line?.trim().split(/\s+/)[0] as string;
  return [join(out, 'dists/trixie', path.slice(0, path.lastIndexOf('/')), 'by-hash/SHA256', hash)];
}

describe('retention', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  const round = (at: number, versions: string[]) =>
    publishRound(new LocalStorage(out), key.signer, dir, {
      config: CONFIG,
      date: new Date(at),
      debs: versions.map((version) => ({ name: 'half', version, architecture: 'all' })),
    });
  beforeAll(async () => {
    dir = await makeTempDir('retention');
    out = join(dir, 'repo');
    key = await makeTestKey();
  });
  afterAll(async () => removeTempDir(dir));

  it('lists the last N versions, keeps unlisted pool files for the grace period and old by-hash files for their retention', async () => {
    await round(T0, ['0.1.0']);
    const gen1 = await byHashOf(out, 'half/binary-all/Packages.xz');
    await round(T0 + HOUR, ['0.2.0']);
    await round(T0 + 2 * HOUR, ['0.10.0']);
    expect(await listed(out)).toEqual(['half 0.2.0', 'half 0.10.0']);
    // 0.1.0 left the index at T0+2h; its file stays for a day.
    expect(existsSync(join(out, OLD_POOL))).toBe(true);
    expect((await loadState(new LocalStorage(out))).retired[OLD_POOL]).toBe(T0 + 2 * HOUR);
    expect(gen1.every(existsSync)).toBe(true);

    const third = await round(T0 + 2 * HOUR + DAY, []);
    expect(third.result.removed).toContain(OLD_POOL);
    expect(existsSync(join(out, OLD_POOL))).toBe(false);
    const state = await loadState(new LocalStorage(out));
    expect(state.binaries.map((b) => b.entry.poolPath)).not.toContain(OLD_POOL);
    expect(state.retired[OLD_POOL]).toBeUndefined();
    // gen1's Packages.xz stopped being listed at T0+1h: kept until T0+1h+2d.
    expect(gen1.every(existsSync)).toBe(true);

    const fourth = await round(T0 + HOUR + 2 * DAY, []);
    expect(gen1.every((p) => !existsSync(p))).toBe(true);
    expect(fourth.result.removed.some((p) => p.includes('/by-hash/'))).toBe(true);
    // What the current Release lists is always there.
    expect((await byHashOf(out, 'half/binary-all/Packages.xz')).every(existsSync)).toBe(true);
    expect(await listed(out)).toEqual(['half 0.2.0', 'half 0.10.0']);
  });
});
