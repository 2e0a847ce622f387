// How a test root is put together (chroot.ts is the API): which mirror, the overlay or copy of
// the cached rootfs, and the few things apt, dpkg and maintainer scripts need inside: a
// policy-rc.d that exits 101 (invoke-rc.d(8): "action forbidden"), the host's resolv.conf, /proc,
// a read-only /sys, a private devpts instance (/dev/ptmx pointing into it) and /dev/shm.
import { mkdir, readFile, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { debianMirror } from '../../repo-tool/src/apt/machine-sources.js';
import type { RootFiles } from './chroot-apt.js';
import { mount, mountsUnder } from './mounts.js';
import type { CachedRootfs } from './rootfs-cache.js';
import { run } from './tools.js';

/** $HALF_DEBIAN_MIRROR, else the machine's own Debian archive. */
export async function testMirror(): Promise<string> {
  const fromEnv = process.env['HALF_DEBIAN_MIRROR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.replace(/\/+$/, '');
  try {
    return await debianMirror();
  } catch (error) {
    throw new Error(`${(error as Error).message}; for tests, set HALF_DEBIAN_MIRROR=URL or pass { mirror: URL } to debianRoot()`, { cause: error });
  }
}

/** Mounts the overlay (or unpacks the tarball) at `dir`; returns which. */
export async function populate(base: string, dir: string, cached: CachedRootfs, wanted: 'overlay' | 'copy'): Promise<'overlay' | 'copy'> {
  await mkdir(dir);
  if (wanted === 'overlay') {
    const [upper, work] = [join(base, 'upper'), join(base, 'work')];
    await Promise.all([mkdir(upper), mkdir(work)]);
    const options = `lowerdir=${cached.treePath},upperdir=${upper},workdir=${work}`;
    if ((await run('mount', ['-t', 'overlay', 'overlay', '-o', options, dir])).exitCode === 0) return 'overlay';
  }
  const tar = ['--extract', '--file', cached.tarPath, '--directory', dir, '--numeric-owner', '--preserve-permissions'];
  await run('tar', tar, { check: true });
  return 'copy';
}

/** policy-rc.d, the host's resolv.conf, and the kernel filesystems apt and dpkg expect. */
export async function prepare(root: RootFiles & { readonly dir: string }): Promise<void> {
  await root.writeFile('/usr/sbin/policy-rc.d', '#!/bin/sh\n# half tests: never start services\nexit 101\n', { mode: 0o755 });
  const resolv = await readFile('/etc/resolv.conf').catch(() => undefined);
  if (resolv !== undefined) {
    await rm(join(await root.hostPath('/etc'), 'resolv.conf'), { force: true }); // the link, if one
    await root.writeFile('/etc/resolv.conf', resolv, { mode: 0o644 });
  }
  const dir = root.dir;
  await mount(['-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', join(dir, 'proc')]);
  await mount(['-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs', join(dir, 'sys')]);
  await mkdir(join(dir, 'dev/pts'), { recursive: true });
  await mount(['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec', 'devpts', join(dir, 'dev/pts')]);
  await unlink(join(dir, 'dev/ptmx')).catch(() => undefined);
  await symlink('pts/ptmx', join(dir, 'dev/ptmx'));
  await mkdir(join(dir, 'dev/shm'), { recursive: true });
  await mount(['-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'tmpfs', join(dir, 'dev/shm')]);
  if (mountsUnder(dir).length < 4) throw new Error(`mounting the kernel filesystems under ${dir} failed`);
}
