// A minimal Debian rootfs for installing packages with the real dpkg: made once with
// mmdebstrap from the machine's own apt mirror, cached as a tarball under
// ${XDG_CACHE_HOME:-~/.cache}/half/chroots/<suite>-<variant>.tar, extracted per test into a
// temporary folder that the test removes. (Minimal on purpose; test/helpers/ gets the shared one.)
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aptMirror } from './apt-mirror.js';

const run = promisify(execFile);

export function cacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'half');
}

/** The cached rootfs tarball, made with mmdebstrap when missing (~15 s, network). */
export async function rootfsTarball(suite = 'bookworm', variant = 'minbase'): Promise<string> {
  const dir = join(cacheDir(), 'chroots');
  const tarball = join(dir, `${suite}-${variant}.tar`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(dir, { recursive: true });
  // mmdebstrap picks the output format from the extension: the partial name must end in .tar.
  const partial = join(dir, `.partial-${process.pid}-${suite}-${variant}.tar`);
  try {
    await run('mmdebstrap', ['--quiet', `--variant=${variant}`, suite, partial, aptMirror(suite)], { maxBuffer: 64 * 1024 * 1024 });
    renameSync(partial, tarball);
  } finally {
    rmSync(partial, { force: true });
  }
  return tarball;
}

export interface Chroot {
  readonly dir: string;
  /** Runs a command inside the chroot (no shell); rejects on a non-zero exit. */
  exec(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

/** A fresh copy of the rootfs in a temporary folder. */
export async function makeChroot(suite = 'bookworm', variant = 'minbase'): Promise<Chroot> {
  const tarball = await rootfsTarball(suite, variant);
  const dir = await mkdtemp(join(tmpdir(), 'half-deb-chroot-'));
  await run('tar', ['-xf', tarball, '-C', dir]).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive', HOME: '/root' };
  return {
    dir,
    exec: (command, args) => run('chroot', [dir, command, ...args], { env, maxBuffer: 16 * 1024 * 1024 }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
