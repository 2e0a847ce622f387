// Reading tar through tar-stream: archives made by GNU tar (GNU long names, pax), MD5s and
// data on request, corrupt input as PackageFormatError.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from '../../../repo-tool/src/format/tar-read.js';
import { writeTar } from '../../../repo-tool/src/format/tar.js';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';

const run = promisify(execFile);
const long = `${'d'.repeat(70)}/${'é'.repeat(30)}.txt`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-tar-read-'));
  await mkdir(join(dir, 'root', 'd'.repeat(70)), { recursive: true });
  await writeFile(join(dir, 'root', long), 'long name\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function gnuTar(format: 'gnu' | 'pax'): Promise<Uint8Array> {
  return new Uint8Array((await run('tar', [`--format=${format}`, '-cf', '-', '--owner=0', '--group=0', '.'], { cwd: join(dir, 'root'), encoding: 'buffer' })).stdout);
}

describe('readTar', () => {
  it('reads GNU long names written by GNU tar, with MD5s and data on request', async () => {
    const items = await readTar(await gnuTar('gnu'), { source: 'gnu.tar', md5: true, keepData: (name) => name.endsWith('.txt') });
    const file = items.find((i) => i.name === `./${long}`);
    expect(file?.type).toBe('file');
    expect(Buffer.from(file?.data ?? []).toString()).toBe('long name\n');
    expect(file?.md5).toBe(createHash('md5').update('long name\n').digest('hex'));
    expect(file?.pax).toBe(false);
    expect(items.find((i) => i.type === 'directory' && i.name.startsWith('./ddd'))?.data).toBeUndefined();
  });

  it('flags entries described by pax headers', async () => {
    const items = await readTar(await gnuTar('pax'), { source: 'pax.tar' });
    expect(items.find((i) => i.name === `./${long}`)?.pax).toBe(true);
  });

  it('rejects a corrupt header with a PackageFormatError naming the source', async () => {
    const corrupt = writeTar([{ type: 'directory', name: './', mode: 0o755, mtime: 0 }]);
    corrupt[148] = 0x39; // a checksum digit
    await expect(readTar(corrupt, { source: 'x.deb: data.tar' })).rejects.toThrow(PackageFormatError);
    await expect(readTar(corrupt, { source: 'x.deb: data.tar' })).rejects.toThrow(/^x\.deb: data\.tar: corrupt tar archive/);
  });

  it('rejects a truncated archive', async () => {
    const whole = writeTar([{ type: 'file', name: './f', mode: 0o644, mtime: 0, data: new Uint8Array(2000) }]);
    await expect(readTar(whole.subarray(0, 1024), { source: 't' })).rejects.toThrow(PackageFormatError);
  });
});

describe('readTar from a stream', () => {
  const zeroFile = (name: string, size: number) => ({ type: 'file' as const, name, mode: 0o644, mtime: 0, data: new Uint8Array(size) });
  async function* chunked(bytes: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
  }

  it('reads chunks as they come like the whole archive', async () => {
    const archive = await gnuTar('gnu');
    const whole = await readTar(archive, { source: 't', md5: true });
    expect(await readTar(chunked(archive, 7), { source: 't', md5: true })).toEqual(whole);
  });

  it('refuses, from its header, an entry that takes the archive beyond maxSize', async () => {
    const archive = writeTar([zeroFile('./a', 600), zeroFile('./b', 5000)]);
    let read = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(archive, 512)) {
        read += chunk.byteLength;
        yield chunk;
      }
    }
    await expect(readTar(counting(), { source: 'x.deb: data.tar', maxSize: 4096, limitHint: 'split it' })).rejects.toThrow(/^x\.deb: data\.tar: refused, its entry "\.\/b" \(5000 bytes\) takes it beyond 4096 bytes/);
    expect(read).toBeLessThan(archive.byteLength / 2); // b's bytes were never read
  });

  it('refuses more entries than maxEntries, and kept bytes beyond maxKept', async () => {
    const archive = writeTar([zeroFile('./a', 10), zeroFile('./b', 10), zeroFile('./c', 3000)]);
    await expect(readTar(archive, { source: 't', maxEntries: 2 })).rejects.toThrow(/^t: refused, it has more than 2 entries/);
    await expect(readTar(archive, { source: 't', keepData: () => true, maxKept: 2000 })).rejects.toThrow(/^t: refused, its files add up to more than 2000 bytes \(at "\.\/c"\)/);
    expect((await readTar(archive, { source: 't', keepData: (n) => n !== './c', maxKept: 2000 })).map((i) => i.data?.byteLength)).toEqual([10, 10, undefined]);
  });

  it("throws the input's own error (a decompressor's), not a corrupt tar, and stops reading it", async () => {
    const archive = writeTar([zeroFile('./a', 100_000)]);
    const failure = new PackageFormatError('x.deb: data.tar.xz: cannot decompress (xz exited with 1)');
    let stopped = false;
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield archive.subarray(0, 2048);
      throw failure;
    }
    await expect(readTar(failing(), { source: 'x.deb: data.tar.xz' })).rejects.toBe(failure);
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield new TextEncoder().encode('not a tar header at all '.repeat(50));
      } finally {
        stopped = true;
      }
    }
    await expect(readTar(endless(), { source: 't' })).rejects.toThrow(/^t: corrupt tar archive/);
    expect(stopped).toBe(true);
  });
});
