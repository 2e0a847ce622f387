// Our GNU tar writer against GNU tar itself, run as dpkg-deb runs it (same options, same name
// list): identical bytes, long and non-ASCII names included. tar-stream reads the result back.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from '../../../repo-tool/src/format/tar-read.js';
import { writeTar, type TarEntry } from '../../../repo-tool/src/format/tar.js';
import { expectGolden } from './golden.js';

const run = promisify(execFile);
const EPOCH = 1_700_000_000;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const long = 'd'.repeat(60);
const exact100 = 'e'.repeat(100 - './x/'.length);

const entries: TarEntry[] = [
  { type: 'directory', name: './', mode: 0o755, mtime: EPOCH },
  { type: 'directory', name: './x/', mode: 0o755, mtime: EPOCH },
  { type: 'file', name: `./x/${exact100}`, mode: 0o644, mtime: EPOCH, data: bytes('100\n') },
  { type: 'file', name: `./x/${exact100}f`, mode: 0o644, mtime: EPOCH, data: bytes('101\n') },
  { type: 'file', name: './x/block', mode: 0o600, mtime: EPOCH - 1000, data: new Uint8Array(512).fill(0x41) },
  { type: 'file', name: './x/block+1', mode: 0o755, mtime: EPOCH, data: new Uint8Array(513).fill(0x42) },
  { type: 'file', name: './x/empty', mode: 0o644, mtime: EPOCH, data: new Uint8Array(0) },
  { type: 'directory', name: `./x/${long}/`, mode: 0o750, mtime: EPOCH },
  { type: 'directory', name: `./x/${long}/${long}/`, mode: 0o755, mtime: EPOCH },
  { type: 'file', name: `./x/${long}/${long}/naïve-日本.txt`, mode: 0o644, mtime: EPOCH, data: bytes('utf-8\n') },
  { type: 'symlink', name: './x/link', mode: 0o777, mtime: EPOCH, target: `${long}/${long}/naïve-日本.txt` },
  { type: 'symlink', name: './x/short-link', mode: 0o777, mtime: EPOCH, target: 'empty' },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-tar-'));
  const root = join(dir, 'root');
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.type === 'directory') await mkdir(path, { recursive: true });
    else if (entry.type === 'file') await writeFile(path, entry.data);
    else await symlink(entry.target, path);
    if (entry.type !== 'symlink') await chmod(path, entry.mode);
  }
  for (const entry of entries) if (entry.type !== 'symlink') await utimes(join(root, entry.name), entry.mtime, entry.mtime);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** GNU tar with dpkg-deb's options (src/deb/build.c), fed the same names in the same order. */
async function gnuTar(): Promise<Buffer> {
  const list = entries.map((e) => e.name.replace(/\/$/, '') || '.').map((n) => (n === '.' ? './' : n));
  return new Promise((resolve, reject) => {
    const child = execFile('tar', ['-cf', '-', '--format=gnu', '--mtime', `@${EPOCH}`, '--clamp-mtime', '--owner', 'root:0', '--group', 'root:0', '--null', '--no-unquote', '--no-recursion', '-T', '-'], { cwd: join(dir, 'root'), encoding: 'buffer', maxBuffer: 1 << 24 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    child.stdin?.end(Buffer.from(list.join('\0') + '\0'));
  });
}

describe('writeTar', () => {
  it('writes the same bytes as GNU tar run like dpkg-deb does', async () => {
    const ours = Buffer.from(writeTar(entries));
    const theirs = await gnuTar();
    expect(ours.byteLength).toBe(theirs.byteLength);
    for (let at = 0; at < theirs.byteLength; at += 512) {
      expect(ours.subarray(at, at + 512).toString('latin1'), `block at ${at}`).toBe(theirs.subarray(at, at + 512).toString('latin1'));
    }
  });

  it('matches the golden archive', () => {
    expectGolden('entries.tar', writeTar(entries));
  });

  it('pads to a 10240-byte record after two zero blocks', () => {
    expect(writeTar([]).byteLength).toBe(10_240);
    const big = writeTar([{ type: 'file', name: './f', mode: 0o644, mtime: 0, data: new Uint8Array(10_240 - 512 - 1024 + 1) }]);
    expect(big.byteLength).toBe(20_480);
  });

  it('is read back by tar-stream: names, types, modes, owners, sizes, targets', async () => {
    const items = await readTar(writeTar(entries), { source: 'test.tar', keepData: () => true });
    expect(items.map((i) => [i.name, i.type, i.mode, i.uid, i.gid, i.uname, i.gname, i.size, i.target ?? null])).toEqual(
      entries.map((e) => [e.name, e.type, e.mode, 0, 0, 'root', 'root', e.type === 'file' ? e.data.byteLength : 0, e.type === 'symlink' ? e.target : null]),
    );
    const file = items.find((i) => i.name.endsWith('block+1'));
    expect(Buffer.from(file?.data ?? []).equals(Buffer.from(new Uint8Array(513).fill(0x42)))).toBe(true);
  });

  it('refuses a negative or fractional mtime', () => {
    expect(() => writeTar([{ type: 'directory', name: './', mode: 0o755, mtime: -1 }])).toThrow(RangeError);
    expect(() => writeTar([{ type: 'directory', name: './', mode: 0o755, mtime: 1.5 }])).toThrow(RangeError);
  });
});
