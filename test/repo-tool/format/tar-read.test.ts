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
