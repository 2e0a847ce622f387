// Compression of .deb members: deterministic (the same bytes whatever XZ_OPT says), readable by
// the real xz and gzip, gzip headers without name or time; decompression errors typed.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bytesLimit, compress, compressionOfSuffix, compressionSuffix, decompress, decompressChunks, xzArguments, xzDictionarySize } from '../../../repo-tool/src/format/compression.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';

const run = promisify(execFile);

/** Pipes bytes through a real tool and returns its stdout. */
function through(command: string, args: string[], input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { encoding: 'buffer', maxBuffer: 1 << 26 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(input);
  });
}

const sample = new TextEncoder().encode('Package: half\nVersion: 0.1.0\n'.repeat(500));
const random = new Uint8Array(100_000).map((_, i) => (i * 2_654_435_761) >>> 24);

describe('compress', () => {
  for (const compression of ['xz', 'gzip', 'none'] as const) {
    it(`${compression}: round trip and identical output on repeated runs`, async () => {
      for (const data of [sample, random, new Uint8Array(0)]) {
        const a = await compress(data, compression);
        const b = await compress(data, compression);
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
        expect(Buffer.from(await decompress(a, compression, { source: 't' })).equals(Buffer.from(data))).toBe(true);
      }
    });
  }

  it('xz output is read by the real xz, single stream, CRC64', async () => {
    const packed = await compress(sample, 'xz');
    expect((await through('xz', ['-dc'], packed)).equals(Buffer.from(sample))).toBe(true);
    // xz --list needs a seekable file.
    const dir = await mkdtemp(join(tmpdir(), 'half-xz-'));
    await writeFile(join(dir, 'm.xz'), packed);
    const robot = (await run('xz', ['--robot', '--list', join(dir, 'm.xz')]).finally(() => rm(dir, { recursive: true, force: true }))).stdout;
    expect(robot).toMatch(/^file\t1\t1\t.*\tCRC64\t/m);
  });

  it('xz ignores XZ_OPT and XZ_DEFAULTS from the environment', async () => {
    const before = await compress(sample, 'xz');
    const saved = { opt: process.env['XZ_OPT'], defaults: process.env['XZ_DEFAULTS'] };
    process.env['XZ_OPT'] = '-0 --check=sha256';
    process.env['XZ_DEFAULTS'] = '-9e';
    try {
      expect(Buffer.from(await compress(sample, 'xz')).equals(Buffer.from(before))).toBe(true);
    } finally {
      for (const [key, value] of [['XZ_OPT', saved.opt], ['XZ_DEFAULTS', saved.defaults]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('xz compresses as well as preset 6 with its full 8 MiB dictionary', async () => {
    const ours = await compress(random, 'xz');
    const preset = await through('xz', ['-6', '-T1', '-c'], random);
    expect(ours.byteLength).toBeLessThanOrEqual(preset.byteLength);
  });

  it('gzip output has no file name and a zero mtime, and the real gzip reads it', async () => {
    const packed = await compress(sample, 'gzip');
    expect([packed[0], packed[1], packed[2]]).toEqual([0x1f, 0x8b, 8]);
    expect((packed[3] as number) & 0x08).toBe(0); // FNAME flag
    expect(Buffer.from(packed.subarray(4, 8)).readUInt32LE(0)).toBe(0);
    expect((await through('gzip', ['-dc'], packed)).equals(Buffer.from(sample))).toBe(true);
  });
});

describe('xz dictionary', () => {
  it('is the smallest power of two holding the input, from 4 KiB up to 8 MiB', () => {
    expect(xzDictionarySize(0)).toBe(4096);
    expect(xzDictionarySize(4096)).toBe(4096);
    expect(xzDictionarySize(4097)).toBe(8192);
    expect(xzDictionarySize(1_000_000)).toBe(1 << 20);
    expect(xzDictionarySize(1 << 30)).toBe(8 << 20);
    expect(xzArguments(10)).toContain('--lzma2=preset=6,dict=4096');
  });
});

describe('decompress', () => {
  it('reads zstd (written here by the real zstd)', async () => {
    const packed = await through('zstd', ['-q', '-c'], sample);
    expect(Buffer.from(await decompress(packed, 'zstd', { source: 't' })).equals(Buffer.from(sample))).toBe(true);
  });

  for (const compression of ['xz', 'gzip', 'zstd'] as const) {
    it(`${compression}: corrupt input is a PackageFormatError naming the source`, async () => {
      await expect(decompress(new TextEncoder().encode('not compressed at all'), compression, { source: 'x.deb: data.tar' })).rejects.toThrow(PackageFormatError);
      await expect(decompress(new TextEncoder().encode('not compressed at all'), compression, { source: 'x.deb: data.tar' })).rejects.toThrow(/^x\.deb: data\.tar: cannot decompress/);
    });
  }

  for (const compression of ['xz', 'gzip'] as const) {
    it(`${compression}: refuses output above maxSize`, async () => {
      const packed = await compress(new Uint8Array(1 << 20), compression);
      await expect(decompress(packed, compression, { source: 'bomb', maxSize: 1000 })).rejects.toThrow(PackageFormatError);
    });
  }

  it('maps member suffixes both ways', () => {
    for (const c of ['xz', 'gzip', 'zstd', 'none'] as const) expect(compressionOfSuffix(compressionSuffix(c))).toBe(c);
    expect(compressionOfSuffix('.bz2')).toBeUndefined();
  });
});

describe('decompressChunks', () => {
  /** 64 MiB of zeros, compressed by the real tool (a few KB). */
  const zeros = 64 * 1024 * 1024;
  const packedZeros = (compression: 'xz' | 'gzip' | 'zstd'): Promise<Uint8Array> =>
    through('sh', ['-c', `head -c ${zeros} /dev/zero | ${{ xz: 'xz -0 -c', gzip: 'gzip -1 -c', zstd: 'zstd -q -c' }[compression]}`], new Uint8Array(0));

  for (const compression of ['xz', 'gzip', 'zstd'] as const) {
    it(`${compression}: gives the output in chunks, none of them the whole member`, async () => {
      let total = 0;
      let largest = 0;
      for await (const chunk of decompressChunks(await packedZeros(compression), compression, { source: 't' })) {
        total += chunk.byteLength;
        largest = Math.max(largest, chunk.byteLength);
      }
      expect(total).toBe(zeros);
      expect(largest).toBeLessThanOrEqual(1024 * 1024);
    });

    it(`${compression}: refuses output above maxSize, naming the member and the limit`, async () => {
      const read = async (): Promise<number> => {
        let total = 0;
        for await (const chunk of decompressChunks(await packedZeros(compression), compression, { source: 'x.deb: data.tar', maxSize: 10 * 1024 * 1024 })) total += chunk.byteLength;
        return total;
      };
      await expect(read()).rejects.toThrow(PackageFormatError);
      await expect(read()).rejects.toThrow(/^x\.deb: data\.tar: refused, its \w+ output exceeds 10485760 bytes \(10 MiB\)/);
    });
  }

  it('stops the tool when the reader stops early, and frees its process slot', async () => {
    const packed = await packedZeros('zstd');
    // more readers stopping early than there are process slots: a slot kept would hang this
    for (let i = 0; i < 40; i++) {
      for await (const chunk of decompressChunks(packed, 'zstd', { source: 't' })) {
        expect(chunk.byteLength).toBeGreaterThan(0);
        break;
      }
    }
  });

  for (const [compression, made] of [['xz', 'xz -q -c --lzma2=preset=0,dict=512MiB'], ['zstd', 'zstd -q -c --long=31']] as const) {
    it(`${compression}: refuses a member that needs more memory than the tool may use (a huge dictionary or window)`, async () => {
      const packed = await through('sh', ['-c', made], new TextEncoder().encode('hi\n'));
      await expect(decompress(packed, compression, { source: 'x.deb: data.tar' })).rejects.toThrow(/^x\.deb: data\.tar: refused, \w+ would need more memory to decompress it than it may use/);
    });
  }

  it('none: refuses a member above maxSize as it is', async () => {
    await expect(decompress(new Uint8Array(2000), 'none', { source: 'x.deb: data.tar', maxSize: 1000 })).rejects.toThrow(/refused, its uncompressed output exceeds 1000 bytes/);
  });

  it('writes limits as bytes, and readably', () => {
    expect(bytesLimit(2 ** 31)).toBe('2147483648 bytes (2 GiB)');
    expect(bytesLimit(64 * 1024 * 1024)).toBe('67108864 bytes (64 MiB)');
    expect(bytesLimit(1000)).toBe('1000 bytes');
  });
});
