import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultBackportCacheDir,
  readCachedResult,
  sha256File,
  storeResult,
  type BackportManifest,
} from '../../../repo-tool/src/backport/backport-cache.js';
import type { BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { BACKPORT_FORMAT } from '../../../repo-tool/src/backport/cache-key.js';

const KEY = 'keepalived-bookworm-0123456789abcdef0123456789abcdef';
const VERSION = '1:2.3.3-1~bpo12+half1';
const FILES: Record<string, string> = {
  'keepalived_2.3.3-1~bpo12+half1_amd64.deb': 'deb bytes',
  'keepalived_2.3.3-1~bpo12+half1.dsc': 'dsc text',
  'keepalived_2.3.3.orig.tar.gz': 'orig bytes',
  'keepalived_2.3.3-1~bpo12+half1.debian.tar.xz': 'debian bytes',
  'keepalived_2.3.3-1~bpo12+half1_amd64.changes': 'changes text',
};
const plan = { cacheKey: KEY, version: VERSION } as BackportPlan;

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'half-backport-cache-'));
});
afterAll(async () => {
  if (cacheDir !== undefined) await rm(cacheDir, { recursive: true, force: true });
});

async function stage(): Promise<{ staging: string; manifest: BackportManifest }> {
  const staging = join(cacheDir, `staging-${Math.random().toString(36).slice(2)}`);
  await mkdir(staging);
  const sha256: Record<string, string> = {};
  for (const [name, text] of Object.entries(FILES)) {
    await writeFile(join(staging, name), text);
    sha256[name] = await sha256File(join(staging, name));
  }
  const manifest: BackportManifest = {
    format: BACKPORT_FORMAT,
    cacheKey: KEY,
    package: 'keepalived',
    targetSuite: 'bookworm',
    version: VERSION,
    binaries: ['keepalived_2.3.3-1~bpo12+half1_amd64.deb'],
    dsc: 'keepalived_2.3.3-1~bpo12+half1.dsc',
    sourceFiles: ['keepalived_2.3.3.orig.tar.gz', 'keepalived_2.3.3-1~bpo12+half1.debian.tar.xz'],
    buildinfo: null,
    changes: 'keepalived_2.3.3-1~bpo12+half1_amd64.changes',
    sha256,
  };
  return { staging, manifest };
}

describe('the backport cache', () => {
  it('is under ${XDG_CACHE_HOME:-$HOME/.cache}/half/backports', () => {
    expect(defaultBackportCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/half/backports');
    expect(defaultBackportCacheDir({ XDG_CACHE_HOME: '', HOME: '/home/u' })).toBe('/home/u/.cache/half/backports');
  });

  it('misses before a store, then returns the stored artefacts with their paths', async () => {
    expect(await readCachedResult(cacheDir, plan)).toEqual({ miss: 'not built yet' });
    const { staging, manifest } = await stage();
    const stored = await storeResult(cacheDir, staging, manifest);
    expect(stored.cached).toBe(false);
    const hit = await readCachedResult(cacheDir, plan);
    expect('result' in hit && hit.result).toEqual({ ...stored, cached: true });
    if (!('result' in hit)) return;
    expect(hit.result.directory).toBe(join(cacheDir, KEY));
    expect(hit.result.binaries).toEqual([join(cacheDir, KEY, 'keepalived_2.3.3-1~bpo12+half1_amd64.deb')]);
    expect(hit.result.source.files).toHaveLength(2);
    expect(hit.result.buildinfo).toBeUndefined();
    expect(await readdir(cacheDir)).not.toContain(staging.split('/').pop());
  });

  it('never trusts a damaged entry or one made for another plan', async () => {
    expect(await readCachedResult(cacheDir, { ...plan, version: '1:2.3.3-1~bpo12+half2' })).toMatchObject({ miss: expect.stringMatching(/describes another build/) });
    await appendFile(join(cacheDir, KEY, 'keepalived_2.3.3.orig.tar.gz'), 'x');
    expect(await readCachedResult(cacheDir, plan)).toMatchObject({ miss: expect.stringMatching(/orig.tar.gz is missing or damaged/) });
  });

  it('replaces a damaged entry with a fresh one', async () => {
    const { staging, manifest } = await stage();
    await storeResult(cacheDir, staging, manifest);
    expect('result' in (await readCachedResult(cacheDir, plan))).toBe(true);
    expect((await readdir(cacheDir)).filter((n) => n.includes('.stale-'))).toEqual([]);
  });

  it('takes a manifest of another shape, or naming files outside its entry, as damaged (rebuilt), never as a crash', async () => {
    const { staging, manifest } = await stage();
    await storeResult(cacheDir, staging, manifest);
    const path = join(cacheDir, KEY, 'backport.json');
    const damaged = { miss: `${path} is damaged`, damaged: true };
    for (const broken of [
      '{"format": 1',
      'null',
      JSON.stringify({ format: BACKPORT_FORMAT, cacheKey: KEY, version: VERSION }),
      JSON.stringify({ ...manifest, binaries: ['../../../etc/passwd'] }),
      JSON.stringify({ ...manifest, dsc: 'sub/keepalived.dsc' }),
      JSON.stringify({ ...manifest, sha256: null }),
    ]) {
      await writeFile(path, broken);
      expect(await readCachedResult(cacheDir, plan), broken).toEqual(damaged);
    }
  });
});
