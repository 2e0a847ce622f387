import { readdir, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChunkCacheDir, DiskChunkCache } from '../../../repo-tool/src/repo/chunk-cache.js';
import { ChunkedIndexCompressor } from '../../../repo-tool/src/repo/index-compressor.js';
import { fakePackages } from './helpers/text.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';

describe('DiskChunkCache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('chunk-cache');
  });
  afterAll(async () => removeTempDir(dir));

  it('lives under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultChunkCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/me')).toBe('/var/cache/me/half/index-chunks');
    expect(defaultChunkCacheDir({}, '/home/me')).toBe('/home/me/.cache/half/index-chunks');
  });

  it('lets a second process skip every xz run for an index it has seen', async () => {
    const content = new TextEncoder().encode(fakePackages(3000));
    const first = new ChunkedIndexCompressor(new DiskChunkCache(join(dir, 'cache')));
    const bytes = await first.xz(content);
    expect(first.stats.xzRuns).toBeGreaterThan(0);
    const second = new ChunkedIndexCompressor(new DiskChunkCache(join(dir, 'cache')));
    expect(Buffer.compare(await second.xz(content), bytes)).toBe(0);
    expect(second.stats.xzRuns).toBe(0);
    expect(await new DiskChunkCache(join(dir, 'cache')).get('xz-6-d1m', 'f'.repeat(64))).toBeUndefined();
  });

  it('takes an entry damaged on disk (a flipped bit, an empty file) for a miss, so the index stays whole', async () => {
    const content = new TextEncoder().encode(fakePackages(3000));
    const cacheDir = join(dir, 'damaged');
    const bytes = await new ChunkedIndexCompressor(new DiskChunkCache(cacheDir)).gzip(content);
    const files = async (kind: string): Promise<string[]> => {
      const out: string[] = [];
      const base = join(cacheDir, 'sha256-v1', kind);
      for (const sub of await readdir(base)) for (const name of await readdir(join(base, sub))) out.push(join(base, sub, name));
      return out;
    };
    const entries = await files('deflate-9-sync');
    expect(entries.length).toBeGreaterThan(1);
    const [first, second] = entries as [string, string];
    const flipped = await readFile(first);
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] as number) ^ 0x40;
    await writeFile(first, flipped);
    await writeFile(second, '');
    const again = new ChunkedIndexCompressor(new DiskChunkCache(cacheDir));
    const rebuilt = await again.gzip(content);
    expect(again.stats.deflates).toBe(2);
    expect(Buffer.compare(rebuilt, bytes)).toBe(0);
    expect(Buffer.compare(gunzipSync(rebuilt), Buffer.from(content))).toBe(0);
  });
});
