// A fresh, writable Debian 12 or 13 root filesystem per test, for the real apt, dpkg and
// maintainer scripts. The rootfs is made once by mmdebstrap from the machine's Debian mirror and
// cached (rootfs-cache.ts); each debianRoot() call mounts an overlay over the cached tree (a few
// ms; falls back to unpacking the tarball where overlayfs cannot be used), then mounts /proc,
// /sys (read-only), a private devpts on /dev/pts (apt needs ptys) and a tmpfs on /dev/shm, over
// the rootfs's own minimal /dev. A policy-rc.d that exits 101 keeps services from starting
// (chroot-setup.ts). Mirror: $HALF_DEBIAN_MIRROR, else the machine's. Needs root (mount, chroot).
//
//   let root: DebianRoot;
//   beforeAll(async () => { root = await debianRoot({ suite: 'trixie', debianSources: false }); });
//   afterAll(() => root?.cleanup());
//   await root.aptSourceForRepo({ url: server.url, suite: 'stable', component: 'half', keyringPath });
//   const r = await root.run(['apt-get', 'update']);            // { stdout, stderr, exitCode }
//   await root.run('apt-get install -y half', { check: true });
//   net.spawn('fw1', root.argv(['half-syncd']));    // inside a network namespace (netns.ts)
//
// cleanup() kills what still runs inside the root, unmounts everything it mounted (lazily if
// busy) and removes the copy; it is idempotent, and it refuses to delete anything while a mount
// remains below the copy. A process that exits without cleanup() unmounts on 'exit'.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { disableOtherSources, writeRepoSource, type RepoSource, type RootFiles, type WrittenSource } from './chroot-apt.js';
import { onProcessExit } from './exit-cleanup.js';
import { populate, prepare, testMirror } from './chroot-setup.js';
import { unmountUnder, unmountUnderSync } from './mounts.js';
import { killProcessesInsideRoot, killProcessesInsideRootSync } from './root-processes.js';
import { resolveInRoot } from './root-path.js';
import { cachedRootfs, type DebianSuite, type RootfsVariant } from './rootfs-cache.js';
import { run, type RunResult } from './tools.js';

export type { DebianSuite, RootfsVariant } from './rootfs-cache.js';

export interface DebianRootOptions {
  readonly suite: DebianSuite;
  /** mmdebstrap variant; default 'apt' (Essential packages plus apt). */
  readonly variant?: RootfsVariant;
  readonly extraPackages?: readonly string[];
  /** Default: $HALF_DEBIAN_MIRROR, else the machine's own Debian mirror (its apt sources);
   *  part of the cache key. */
  readonly mirror?: string;
  /** false: apt inside sees no Debian source, only those added by aptSourceForRepo. Default true. */
  readonly debianSources?: boolean;
  /** 'copy' unpacks the tarball (~3 s) instead of mounting an overlay (~10 ms). Default: overlay,
   *  falling back to copy where overlayfs cannot be mounted. */
  readonly mode?: 'overlay' | 'copy';
}

export interface ChrootRunOptions {
  /** Added to DEBIAN_FRONTEND=noninteractive, LC_ALL=C.UTF-8, HOME=/root and a standard PATH. */
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string | Uint8Array;
  readonly timeoutMs?: number;
  /** Throw unless the exit code is 0 (the error carries stderr). */
  readonly check?: boolean;
}

export interface DebianRoot extends RootFiles {
  /** Host path of the root directory. */
  readonly dir: string;
  readonly suite: DebianSuite;
  readonly mirror: string;
  /** 'overlay' (per-test upper layer over the cached tree) or 'copy' (tarball unpacked). */
  readonly mode: 'overlay' | 'copy';
  /** Runs a command inside with chroot(8); a string runs under /bin/sh -c. */
  run(cmd: readonly string[] | string, options?: ChrootRunOptions): Promise<RunResult>;
  /** The argv run() executes (chroot, env -i with the same environment, cmd), for callers that
   *  start it themselves, e.g. NamespaceSet.spawn() to run it inside a network namespace. */
  argv(cmd: readonly string[] | string, env?: Readonly<Record<string, string>>): string[];
  readFile(path: string): Promise<string>;
  readBytes(path: string): Promise<Buffer>;
  /** Writes a deb822 .sources file and its keyring inside (see chroot-apt.ts). */
  aptSourceForRepo(source: RepoSource): Promise<WrittenSource>;
  /** Turns off every apt source not written by aptSourceForRepo; returns what it disabled. */
  disableDebianSources(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const CHROOT_ENV = {
  DEBIAN_FRONTEND: 'noninteractive',
  LC_ALL: 'C.UTF-8',
  HOME: '/root',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};

export async function debianRoot(options: DebianRootOptions): Promise<DebianRoot> {
  const mirror = options.mirror ?? (await testMirror());
  const architecture = (await run('dpkg', ['--print-architecture'], { check: true })).stdout.trim();
  const cached = await cachedRootfs({
    suite: options.suite,
    variant: options.variant ?? 'apt',
    packages: options.extraPackages ?? [],
    mirror,
    architecture,
  });
  const base = await mkdtemp(join(tmpdir(), `half-chroot-${process.pid}-`));
  const dir = join(base, 'root');
  const unregister = onProcessExit(() => {
    killProcessesInsideRootSync(dir);
    unmountUnderSync(base);
    rmSync(base, { recursive: true, force: true });
  });
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await killProcessesInsideRoot(dir);
      await unmountUnder(base); // throws, deleting nothing, if a mount survives
      await rm(base, { recursive: true, force: true });
      unregister();
    })());

  try {
    const mode = await populate(base, dir, cached, options.mode ?? 'overlay');
    const sourcesWritten = new Set<string>();
    const root: DebianRoot = {
      dir,
      suite: options.suite,
      mirror,
      mode,
      hostPath: (path) => resolveInRoot(dir, path),
      async writeFile(path, data, fileOptions = {}) {
        const host = await resolveInRoot(dir, path);
        await mkdir(dirname(host), { recursive: true });
        await writeFile(host, data);
        if (fileOptions.mode !== undefined) await chmod(host, fileOptions.mode);
      },
      readFile: async (path) => readFile(await resolveInRoot(dir, path), 'utf8'),
      readBytes: async (path) => readFile(await resolveInRoot(dir, path)),
      argv(cmd, env = {}) {
        const vars = Object.entries({ ...CHROOT_ENV, ...env }).map(([name, value]) => `${name}=${value}`);
        return ['chroot', dir, '/usr/bin/env', '-i', ...vars, ...(typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd)];
      },
      async run(cmd, runOptions = {}) {
        if (cleaning !== undefined) throw new Error(`${dir} was cleaned up; cannot run ${String(cmd)}`);
        const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : [...cmd];
        return run('chroot', [dir, ...argv], {
          cleanEnv: true,
          env: { ...CHROOT_ENV, ...runOptions.env },
          ...(runOptions.input === undefined ? {} : { input: runOptions.input }),
          ...(runOptions.timeoutMs === undefined ? {} : { timeoutMs: runOptions.timeoutMs }),
          ...(runOptions.check === undefined ? {} : { check: runOptions.check }),
        });
      },
      async aptSourceForRepo(source) {
        const written = await writeRepoSource(root, source);
        sourcesWritten.add(written.sourcesPath);
        return written;
      },
      disableDebianSources: () => disableOtherSources(root, sourcesWritten),
      cleanup,
    };
    await prepare(root);
    if (options.debianSources === false) await root.disableDebianSources();
    return root;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
