import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryChunkCache } from '../../../repo-tool/src/repo/chunk-cache.js';
import { chunkBoundaries } from '../../../repo-tool/src/repo/chunking.js';
import { ChunkedIndexCompressor } from '../../../repo-tool/src/repo/index-compressor.js';
import { parseXzStream } from '../../../repo-tool/src/repo/xz-join.js';
import { fakePackages } from './helpers/text.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const APT_HELPER = '/usr/lib/apt/apt-helper';

async function decompressWith(dir: string, name: string, bytes: Uint8Array): Promise<{ gzipOrXz: string; apt: string }> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const tool = name.endsWith('.xz') ? 'xz' : 'gzip';
  await run(tool, ['-t', path]);
  const plain = (await run(tool, ['-dc', path], { maxBuffer: 1 << 28, encoding: 'latin1' })).stdout;
  // apt's own reader (FileFd, picked by the extension): what a client will decode.
  const apt = (await run(APT_HELPER, ['cat-file', path], { maxBuffer: 1 << 28, encoding: 'latin1' })).stdout;
  return { gzipOrXz: plain, apt };
}

describe('ChunkedIndexCompressor', () => {
  let dir: string;
  const text = fakePackages(6000); // ~3 MB: several chunks
  const content = new TextEncoder().encode(text);
  beforeAll(async () => {
    dir = await makeTempDir('compress');
  });
  afterAll(async () => removeTempDir(dir));

  it('writes one .xz stream of many blocks and one gzip member that xz, gzip and apt decode', async () => {
    const compressor = new ChunkedIndexCompressor(new MemoryChunkCache());
    const xz = await compressor.xz(content);
    const gz = await compressor.gzip(content);
    expect(chunkBoundaries(content).length).toBeGreaterThan(3);
    expect(parseXzStream(xz).records.length).toBe(chunkBoundaries(content).length);
    for (const [name, bytes] of [['Packages.xz', xz], ['Packages.gz', gz]] as const) {
      const { gzipOrXz, apt } = await decompressWith(dir, name, bytes);
      expect(gzipOrXz === text, `${name} via ${name.endsWith('xz') ? 'xz' : 'gzip'}`).toBe(true);
      expect(apt === text, `${name} via apt-helper`).toBe(true);
    }
    // Single gzip member: gzip -l reports the whole length (it reads only the last trailer).
    const list = (await run('gzip', ['-lq', join(dir, 'Packages.gz')])).stdout.trim().split(/\s+/);
    expect(Number(list[1])).toBe(content.length);
  });

  it('recompresses only the chunks a one-package change touches, with the same bytes as from scratch', async () => {
    const cache = new MemoryChunkCache();
    const first = new ChunkedIndexCompressor(cache);
    await first.xz(content);
    await first.gzip(content);
    const chunks = chunkBoundaries(content).length;
    expect(first.stats.xzRuns).toBe(chunks);

    const changedText = fakePackages(6000, { index: 3000, version: '1.1' });
    const changed = new TextEncoder().encode(changedText);
    const second = new ChunkedIndexCompressor(cache);
    const xz = await second.xz(changed);
    const gz = await second.gzip(changed);
    expect(second.stats.xzRuns).toBeGreaterThan(0);
    expect(second.stats.xzRuns).toBeLessThanOrEqual(2);
    expect(second.stats.deflates).toBeLessThanOrEqual(2);

    const cold = new ChunkedIndexCompressor(new MemoryChunkCache());
    expect(Buffer.compare(await cold.xz(changed), xz)).toBe(0);
    expect(Buffer.compare(await cold.gzip(changed), gz)).toBe(0);
    const { apt } = await decompressWith(dir, 'changed.xz', xz);
    expect(apt === changedText).toBe(true);

    // A new package in the middle shifts every later byte: cuts still resynchronise.
    const lines = text.split('\n\n');
    lines.splice(2500, 0, 'Package: inserted\nVersion: 1\nDescription: a new package in the middle');
    const third = new ChunkedIndexCompressor(cache);
    const insertedText = lines.join('\n\n');
    await third.xz(new TextEncoder().encode(insertedText));
    expect(third.stats.xzRuns).toBeGreaterThan(0);
    expect(third.stats.xzRuns).toBeLessThanOrEqual(2);
  });

  it('compresses empty indexes to valid empty files', async () => {
    const compressor = new ChunkedIndexCompressor(new MemoryChunkCache());
    for (const [name, bytes] of [['empty.xz', await compressor.xz(new Uint8Array())], ['empty.gz', await compressor.gzip(new Uint8Array())]] as const) {
      const { gzipOrXz, apt } = await decompressWith(dir, name, bytes);
      expect(gzipOrXz).toBe('');
      expect(apt).toBe('');
    }
  });

  it('ignores a damaged cache entry and names a missing xz binary', async () => {
    const cache = new MemoryChunkCache();
    const small = new TextEncoder().encode(fakePackages(10));
    await new ChunkedIndexCompressor(cache).xz(small);
    for (const key of cache.entries.keys()) cache.entries.set(key, new Uint8Array([1, 2, 3]));
    const again = new ChunkedIndexCompressor(cache);
    const { apt } = await decompressWith(dir, 'again.xz', await again.xz(small));
    expect(apt).toBe(new TextDecoder().decode(small));
    expect(again.stats.xzRuns).toBe(1);
    const broken = new ChunkedIndexCompressor(new MemoryChunkCache(), { xzPath: join(dir, 'no-such-xz') });
    await expect(broken.xz(small)).rejects.toThrow(/cannot run .*no-such-xz.*/);
  });
});
