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
});
