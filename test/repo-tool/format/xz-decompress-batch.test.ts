// Reading xz members in batches (one `xz --decompress` for many members queued together) gives
// each member exactly its bytes, with far fewer processes than members; a damaged member, one
// over the size limit, and a missing xz are each reported for their own member, as when every
// member had its own process. The declared sizes come from the real xz's Index.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decompress } from '../../../repo-tool/src/format/compression.js';
import { xzUncompressedSize } from '../../../repo-tool/src/format/xz-index.js';
import { PackageFormatError, ToolError } from '../../../repo-tool/src/model/errors.js';

function xz(data: Uint8Array, args: readonly string[] = []): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['--compress', '--stdout', '--quiet', ...args], { input: data, maxBuffer: 1 << 28 }));
}

function member(i: number, size: number): Uint8Array {
  return new Uint8Array(size).map((_, j) => (j % 89 === 0 ? i : (j * 17 + i) % 253));
}

let dir: string;
let savedPath: string | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-unxz-test-'));
  savedPath = process.env['PATH'];
});
afterAll(async () => {
  process.env['PATH'] = savedPath;
  await rm(dir, { recursive: true, force: true });
});

/** Where the Index starts: the Stream Footer's Backward Size gives its length. */
function indexStart(data: Uint8Array): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return data.byteLength - 12 - (view.getUint32(data.byteLength - 8, true) + 1) * 4;
}

describe('xzUncompressedSize', () => {
  it('reads the size every real xz file declares: one block or many, any check, empty', () => {
    for (const [size, args] of [[0, []], [1, []], [70_000, ['--check=none']], [300_000, ['--block-size=65536', '--check=sha256']], [5000, ['--check=crc32', '-9']]] as const) {
      expect(xzUncompressedSize(xz(member(3, size), args)), `${size} ${args.join(' ')}`).toBe(size);
    }
  });

  it('answers nothing for what is not exactly one stream: two streams, stream padding, truncation, a damaged index, other formats', () => {
    const one = xz(member(1, 4000));
    const two = new Uint8Array([...one, ...xz(member(2, 10))]);
    const padded = new Uint8Array([...one, 0, 0, 0, 0]);
    const damaged = one.slice();
    damaged[indexStart(one) + 1] = 2; // the Index's count of records: two where there is one block
    for (const [name, data] of [['two streams', two], ['padding', padded], ['truncated', one.subarray(0, one.length - 1)], ['damaged index', damaged], ['gzip', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, ...new Uint8Array(20)])], ['empty', new Uint8Array()]] as const) {
      expect(xzUncompressedSize(data), name).toBeUndefined();
    }
  });
});

describe('decompress of xz members in batches', () => {
  /** A PATH whose xz counts its runs, then runs the real one. */
  async function countingXz(): Promise<string> {
    const bin = await mkdtemp(join(dir, 'bin-'));
    const real = execFileSync('sh', ['-c', 'command -v xz']).toString().trim();
    await writeFile(join(bin, 'xz'), `#!/bin/sh\necho run >> ${bin}/runs\nexec ${real} "$@"\n`);
    await chmod(join(bin, 'xz'), 0o755);
    process.env['PATH'] = `${bin}:${savedPath ?? ''}`;
    return bin;
  }
  const runs = async (bin: string): Promise<number> => (await readFile(join(bin, 'runs'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length;

  it('gives every member its bytes, 200 members with about one xz run per 64', async () => {
    const inputs = Array.from({ length: 200 }, (_, i) => member(i, [10, 3000, 40_000, 200_000][i % 4] as number));
    const compressed = inputs.map((data) => xz(data));
    const bin = await countingXz();
    try {
      const outputs = await Promise.all(compressed.map((data, i) => decompress(data, 'xz', { source: `m${i}` })));
      outputs.forEach((output, i) => expect(Buffer.from(output).equals(Buffer.from(inputs[i] as Uint8Array)), `member ${i}`).toBe(true));
      expect(await runs(bin)).toBeLessThanOrEqual(8);
    } finally {
      process.env['PATH'] = savedPath;
    }
  });

  it('names the damaged member of a batch, and still reads the others', async () => {
    const inputs = Array.from({ length: 10 }, (_, i) => member(i, 5000));
    const compressed = inputs.map((data) => xz(data));
    const broken = (compressed[4] as Uint8Array).slice();
    broken.set([(broken[40] ?? 0) ^ 0xff], 40); // in the compressed data: the index still declares the size
    compressed[4] = broken;
    const results = await Promise.all(compressed.map((data, i) => decompress(data, 'xz', { source: `pkg_${i}.deb: data.tar.xz` }).catch((e: unknown) => e)));
    expect(results[4]).toBeInstanceOf(PackageFormatError);
    expect((results[4] as PackageFormatError).message).toMatch(/^pkg_4\.deb: data\.tar\.xz: cannot decompress \(xz .*exited with 1: .*(corrupt|Unexpected)/);
    results.forEach((result, i) => {
      if (i !== 4) expect(Buffer.from(result as Uint8Array).equals(Buffer.from(inputs[i] as Uint8Array)), `member ${i}`).toBe(true);
    });
  });

  it('never batches a member that declares more than the limit (a bomb), and refuses it', async () => {
    const bomb = xz(new Uint8Array(3_000_000)); // a few hundred bytes
    const small = [member(1, 100), member(2, 100), member(3, 100)].map((data) => xz(data));
    const results = await Promise.all([bomb, ...small].map((data, i) => decompress(data, 'xz', { source: `m${i}`, maxSize: 1_000_000 }).catch((e: unknown) => e)));
    expect(results[0]).toBeInstanceOf(PackageFormatError);
    expect(String(results[0])).toMatch(/xz output exceeds 1000000 bytes/);
    for (const result of results.slice(1)) expect(result).toBeInstanceOf(Uint8Array);
  });

  it('refuses a member whose Index declares less than it holds, and still reads the others', async () => {
    const liar = xz(new Uint8Array(1_000_000));
    const at = indexStart(liar) + 2; // count 1 (one byte), then the record: unpadded size, uncompressed size
    const unpaddedBytes = [...liar.subarray(at)].findIndex((b) => (b & 0x80) === 0) + 1;
    expect([...liar.subarray(at + unpaddedBytes, at + unpaddedBytes + 3)]).toEqual([0xc0, 0x84, 0x3d]); // 1,000,000
    liar.set([0xa0, 0x9c, 0x01], at + unpaddedBytes); // 20,000
    expect(xzUncompressedSize(liar)).toBe(20_000);
    const others = [member(1, 100), member(2, 3000), member(3, 50)];
    const results = await Promise.all([liar, ...others.map((data) => xz(data))].map((data, i) => decompress(data, 'xz', { source: `m${i}`, maxSize: 50_000 }).catch((e: unknown) => e)));
    expect(results[0]).toBeInstanceOf(PackageFormatError);
    others.forEach((data, i) => expect(Buffer.from(results[i + 1] as Uint8Array).equals(Buffer.from(data)), `member ${i + 1}`).toBe(true));
  });

  it('reports a missing xz for every member of a batch', async () => {
    const compressed = Array.from({ length: 5 }, (_, i) => xz(member(i, 100)));
    process.env['PATH'] = '/nonexistent';
    try {
      const results = await Promise.all(compressed.map((data, i) => decompress(data, 'xz', { source: `m${i}` }).catch((e: unknown) => e)));
      for (const error of results) {
        expect(error).toBeInstanceOf(ToolError);
        expect((error as ToolError).hint).toMatch(/apt-get install xz-utils/);
      }
    } finally {
      process.env['PATH'] = savedPath;
    }
  });
});
