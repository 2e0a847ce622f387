// `half-repo import` keeps its memory bounded whatever a .deb's members decompress to: a ~100 KB
// data.tar.zst that expands past the 2 GiB a member may have (a decompression bomb) is refused
// with an error naming the file, the member and the limit, and nothing is written; a package
// with a 1 GiB file, built by the real dpkg-deb, is imported. Both run the real CLI under
// /usr/bin/time, whose peak RSS (the CLI's, or its xz/zstd's if larger) must stay far below
// the bytes the member decompresses to. Neither archive is ever held whole by the test: both
// are made by streaming into the compressor.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAr } from '../../../repo-tool/src/format/ar.js';
import { writeTar } from '../../../repo-tool/src/format/tar.js';
import { HALF_REPO_BIN, isolatedKeyHome, PROJECT_ROOT } from '../../helpers/half-repo-cli.js';
import { requireTool, run } from '../../helpers/tools.js';

const MiB = 1024 * 1024;
/** Generous: an import of a small package peaks near 150 MB; holding a member would be GBs. */
const PEAK_RSS_BOUND = 400 * MiB;
const control = (name: string): string => `Package: ${name}\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: large files\n of zeros\n`;
const CONTROL = control('big');

/** A .deb of package `name` 1.0 with `data` as data.tar.zst, in its own folder below `dir`. */
async function debWith(dir: string, name: string, data: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}_1.0_all.deb`);
  await writeFile(
    path,
    writeAr([
      { name: 'debian-binary', data: new TextEncoder().encode('2.0\n'), mtime: 0 },
      { name: 'control.tar', data: writeTar([{ type: 'file', name: './control', mode: 0o644, mtime: 0, data: new TextEncoder().encode(control(name)) }]), mtime: 0 },
      { name: 'data.tar.zst', data, mtime: 0 },
    ]),
  );
  return path;
}

let work: string;
let keyHome: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'half-import-memory-'));
  keyHome = await isolatedKeyHome();
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(keyHome, { recursive: true, force: true });
});

/** A tar of `files` files of `size` zero bytes each, written through `zstd` as it is made. */
async function zeroTarZst(files: number, size: number): Promise<Uint8Array> {
  const zstd = spawn(requireTool('zstd'), ['-q', '-c', '-3'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  zstd.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  const closed = new Promise<number | null>((resolve) => zstd.on('close', resolve));
  const tar = pack();
  tar.pipe(zstd.stdin);
  for (const name of ['./', './usr/', './usr/share/', './usr/share/big/']) tar.entry({ name, type: 'directory', mode: 0o755, mtime: new Date(0) });
  const zeros = Buffer.alloc(4 * MiB);
  for (let i = 0; i < files; i++) {
    const done = new Promise<void>((resolve, reject) => {
      const entry = tar.entry({ name: `./usr/share/big/zeros-${i}`, size, mode: 0o644, mtime: new Date(0) }, (error) => (error ? reject(error) : resolve()));
      void (async () => {
        for (let left = size; left > 0; left -= zeros.byteLength) {
          if (!entry.write(zeros.subarray(0, Math.min(left, zeros.byteLength)))) await new Promise<void>((drained) => entry.once('drain', () => drained()));
        }
        entry.end(() => undefined);
      })();
    });
    await done;
  }
  tar.finalize();
  expect(await closed).toBe(0);
  return new Uint8Array(Buffer.concat(out));
}

/** Runs `half-repo import` under /usr/bin/time: its result and peak RSS in bytes. */
async function importMeasured(debs: string | readonly string[], out: string) {
  const marker = 'half-peak-rss-kb=';
  const result = await run(requireTool('time'), ['-f', `${marker}%M`, process.execPath, HALF_REPO_BIN, 'import', ...(typeof debs === 'string' ? [debs] : debs), '--out', out], {
    cwd: PROJECT_ROOT,
    env: { SOURCE_DATE_EPOCH: '1764115200', XDG_DATA_HOME: keyHome },
    timeoutMs: 600_000,
  });
  const kb = new RegExp(`${marker}(\\d+)`).exec(result.stderr)?.[1];
  expect(kb, result.stderr).toBeDefined();
  return { ...result, peakRss: Number(kb) * 1024 };
}

describe('half-repo import of members that decompress to gigabytes', () => {
  it('refuses a ~100 KB data.tar.zst bomb (2.5 GiB of zeros) by its limit, writes nothing, and stays under 400 MB', async () => {
    const data = await zeroTarZst(5, 512 * MiB);
    expect(data.byteLength).toBeLessThan(1 * MiB);
    const deb = await debWith(join(work, 'bomb'), 'big', data);
    const out = join(work, 'refused');
    const result = await importMeasured(deb, out);
    expect(result.peakRss, `peak RSS ${Math.round(result.peakRss / MiB)} MiB`).toBeLessThan(PEAK_RSS_BOUND);
    expect(result.exitCode, result.stderr).toBe(4);
    expect(result.stderr).toContain(`${deb}: big_1.0_all.deb: data.tar.zst: refused`);
    expect(result.stderr).toMatch(/2147483648 bytes/);
    expect(result.stderr).toMatch(/decompression bomb.*split its files into several packages/);
    expect(result.stderr).toMatch(/nothing was imported/);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  }, 600_000);

  it('imports a package with a 1 GiB file built by dpkg-deb -Zzstd (md5sums checked), and stays under 400 MB', async () => {
    const tree = join(work, 'tree');
    await mkdir(join(tree, 'DEBIAN'), { recursive: true });
    await mkdir(join(tree, 'usr', 'share', 'big'), { recursive: true });
    await writeFile(join(tree, 'DEBIAN', 'control'), CONTROL);
    const size = 1024 * MiB;
    await writeFile(join(tree, 'usr', 'share', 'big', 'zeros'), '');
    await truncate(join(tree, 'usr', 'share', 'big', 'zeros'), size); // sparse: no GiB on disk
    const md5 = createHash('md5');
    const zeros = Buffer.alloc(16 * MiB);
    for (let left = size; left > 0; left -= zeros.byteLength) md5.update(zeros.subarray(0, Math.min(left, zeros.byteLength)));
    await writeFile(join(tree, 'DEBIAN', 'md5sums'), `${md5.digest('hex')}  usr/share/big/zeros\n`);
    const deb = join(work, 'big_1.0_all.deb');
    const built = await run(requireTool('dpkg-deb'), ['-Zzstd', '--root-owner-group', '--build', tree, deb], { env: { SOURCE_DATE_EPOCH: '1764115200' } });
    expect(built.exitCode, built.stderr).toBe(0);
    expect((await stat(deb)).size).toBeLessThan(1 * MiB);
    const out = join(work, 'accepted');
    const result = await importMeasured(deb, out);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain('pool/half/b/big/big_1.0_all.deb');
    expect((await stat(join(out, 'pool', 'half', 'b', 'big', 'big_1.0_all.deb'))).size).toBe((await stat(deb)).size);
    expect(result.peakRss, `peak RSS ${Math.round(result.peakRss / MiB)} MiB`).toBeLessThan(PEAK_RSS_BOUND);
  }, 600_000);

  it('imports six packages of 640 MiB each at once (checked concurrently), and stays under 400 MB', async () => {
    const data = await zeroTarZst(4, 160 * MiB);
    const debs = await Promise.all(Array.from({ length: 6 }, (_, i) => debWith(join(work, 'six'), `big${i}`, data)));
    const out = join(work, 'six-out');
    const result = await importMeasured(debs, out);
    expect(result.peakRss, `peak RSS ${Math.round(result.peakRss / MiB)} MiB`).toBeLessThan(PEAK_RSS_BOUND);
    expect(result.exitCode, result.stderr).toBe(0);
    for (let i = 0; i < 6; i++) await stat(join(out, 'pool', 'half', 'b', `big${i}`, `big${i}_1.0_all.deb`));
  }, 600_000);
});
