// Why repo-tool/src/format/tar.ts writes GNU tar itself instead of packing through tar-stream
// (the design card's dependency): for a non-ASCII (or unsplittable long) member name tar-stream
// emits a pax extended header, and dpkg's own extractor (lib/dpkg/tarfn.c) refuses pax headers,
// so `dpkg -i` of such a package fails. The same tree written by our writer installs.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tarStream from 'tar-stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeAr } from '../../../repo-tool/src/format/ar.js';
import { compress } from '../../../repo-tool/src/format/compression.js';
import { writeTar, type TarEntry } from '../../../repo-tool/src/format/tar.js';
import { run } from '../../helpers/tools.js';

const EPOCH = 1_764_115_200;
const NAME = './usr/share/doc/tar-shortfall/naïve-日本.txt';
const utf8 = new TextEncoder();
const control = utf8.encode('Package: tar-shortfall\nVersion: 1.0\nArchitecture: all\nMaintainer: HALF Maintainers <half-maintainers@example.org>\nDescription: tar-stream pax header probe\n');

const entries: TarEntry[] = [
  { type: 'directory', name: './', mode: 0o755, mtime: EPOCH },
  { type: 'directory', name: './usr/', mode: 0o755, mtime: EPOCH },
  { type: 'directory', name: './usr/share/', mode: 0o755, mtime: EPOCH },
  { type: 'directory', name: './usr/share/doc/', mode: 0o755, mtime: EPOCH },
  { type: 'directory', name: './usr/share/doc/tar-shortfall/', mode: 0o755, mtime: EPOCH },
  { type: 'file', name: NAME, mode: 0o644, mtime: EPOCH, data: utf8.encode('hello\n') },
];

async function tarStreamArchive(): Promise<Uint8Array> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    const header = { name: e.name, mode: e.mode, mtime: new Date(e.mtime * 1000), uid: 0, gid: 0, uname: 'root', gname: 'root' };
    if (e.type === 'directory') pack.entry({ ...header, type: 'directory' });
    else if (e.type === 'file') pack.entry({ ...header, type: 'file', size: e.data.length }, Buffer.from(e.data));
  }
  pack.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

async function deb(dataTar: Uint8Array): Promise<Uint8Array> {
  const controlTar = await compress(writeTar([{ type: 'directory', name: './', mode: 0o755, mtime: EPOCH }, { type: 'file', name: './control', mode: 0o644, mtime: EPOCH, data: control }]), 'gzip');
  return writeAr([
    { name: 'debian-binary', data: utf8.encode('2.0\n'), mtime: EPOCH },
    { name: 'control.tar.gz', data: controlTar, mtime: EPOCH },
    { name: 'data.tar.gz', data: await compress(dataTar, 'gzip'), mtime: EPOCH },
  ]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-tar-shortfall-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** dpkg -i into a private --root (an empty dpkg database; the package has no scripts). */
async function dpkgInstall(debBytes: Uint8Array, label: string) {
  const root = join(dir, label);
  await mkdir(join(root, 'var/lib/dpkg/updates'), { recursive: true });
  await mkdir(join(root, 'var/lib/dpkg/info'), { recursive: true });
  await writeFile(join(root, 'var/lib/dpkg/status'), '');
  const path = join(dir, `${label}.deb`);
  await writeFile(path, debBytes);
  return run('dpkg', [`--root=${root}`, '--force-script-chrootless', '--force-not-root', '--log=/dev/null', '-i', path]);
}

it('tar-stream writes a pax header for a non-ASCII name, and dpkg -i refuses it', async () => {
  const archive = await tarStreamArchive();
  // A pax extended header has typeflag 'x' at offset 156 of some 512-byte header block.
  const typeflags = [];
  for (let off = 0; off + 512 <= archive.length; off += 512) if (archive[off + 257] === 0x75) typeflags.push(String.fromCharCode(archive[off + 156] ?? 0));
  expect(typeflags).toContain('x');
  const result = await dpkgInstall(await deb(archive), 'pax');
  expect(result.exitCode).not.toBe(0);
  expect(result.stderr).toMatch(/PAX|pax/);
});

it('our GNU tar writer gives the same tree a package dpkg -i installs', async () => {
  const result = await dpkgInstall(await deb(writeTar(entries)), 'gnu');
  expect(result.exitCode, result.stderr).toBe(0);
});
