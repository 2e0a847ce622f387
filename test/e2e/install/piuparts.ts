// piuparts(1), Debian's installation and removal tester, on a package from the repository under
// test: it copies the cached test rootfs (--existing-chroot), adds the repository, installs the
// package with apt, runs adequate, removes and purges it and its dependencies, and fails when a
// file is left behind, a process keeps running or a maintainer script fails.
//
// piuparts shares the host's network namespace (it reaches the repository on 127.0.0.1 and the
// Debian mirror); with no answers, half-syncd's scripts only read the interfaces and configure
// nothing. It runs with a clean environment: the host's variables (NODE_EXTRA_CA_CERTS …) are
// not the chroot's.
import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unmountUnder } from '../../helpers/mounts.js';
import { requireTool, run, type RunResult } from '../../helpers/tools.js';

export interface PiupartsOptions {
  readonly suite: string;
  /** The Debian mirror the rootfs was made from. */
  readonly mirror: string;
  /** The unpacked rootfs to copy (rootfs-cache.ts `treePath`; piuparts never writes to it). */
  readonly rootfs: string;
  /** The repository's URL (serveDirectory) and its binary keyring. */
  readonly url: string;
  readonly keyring: string;
  readonly packages: readonly string[];
}

export interface PiupartsRun extends RunResult {
  /** The whole log (--log-file). */
  readonly log: string;
}

export async function piuparts(options: PiupartsOptions): Promise<PiupartsRun> {
  requireTool('piuparts');
  const work = await mkdtemp(join(tmpdir(), 'half-piuparts-'));
  try {
    // The keyring is bind-mounted at the same path inside; apt reads it as _apt.
    const keys = join(work, 'keys');
    await run('mkdir', ['-m', '0755', keys], { check: true });
    await chmod(work, 0o755);
    const keyring = join(keys, 'half-archive-keyring.gpg');
    await copyFile(options.keyring, keyring);
    await chmod(keyring, 0o644);
    const logFile = join(work, 'piuparts.log');
    const result = await run(
      'piuparts',
      [
        '--distribution', options.suite,
        '--mirror', options.mirror,
        '--existing-chroot', options.rootfs,
        '--tmpdir', work,
        '--bindmount', keys,
        '--extra-repo', `deb [signed-by=${keyring}] ${options.url}/ ${options.suite} half`,
        '--no-upgrade-test', // the upgrade between two HALF releases is tested by hand (older release built by the test)
        '--fail-if-inadequate',
        // dpkg-preconfigure (apt-utils) extracts the debconf templates and config script of every
        // package that has them into this directory of debconf's cache and leaves it there.
        '--ignore', '/var/cache/debconf/tmp.ci/',
        '--log-file', logFile,
        '--apt',
        ...options.packages,
      ],
      { cleanEnv: true, env: { LC_ALL: 'C.UTF-8', HOME: '/root' }, timeoutMs: 900_000 },
    );
    const log = await readFile(logFile, 'utf8').catch(() => result.stdout);
    return { ...result, log };
  } finally {
    await unmountUnder(work); // whatever an interrupted piuparts left mounted in its chroot
    await rm(work, { recursive: true, force: true });
  }
}
