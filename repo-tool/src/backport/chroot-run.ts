// Runs one command inside a build root, the way a buildd chroot is entered: /proc, /sys (read
// only), a private devpts and /dev/shm are mounted for the command and vanish with it. Each call
// runs in its own mount and PID namespace (unshare(1) --mount --pid --fork --kill-child), so the
// mounts are never visible on the host, nothing needs unmounting afterwards (even when we are
// killed), and every process the command started dies with it, as it does when half-repo dies
// (the namespace's parent gets SIGKILL then: setpriv --pdeathsig). Needs root.
import { readFileSync } from 'node:fs';
import { ToolError } from '../model/errors.js';
import { runStep, SYSTEM_PATH, type StepOptions, type StepResult } from './run-step.js';

const ENTER = [
  'set -e',
  'root=$1; shift',
  'mount -t proc -o nosuid,nodev,noexec proc "$root/proc"',
  'mount --bind -o ro,nosuid,nodev,noexec /sys "$root/sys"',
  'mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$root/dev/pts"',
  'mount --bind "$root/dev/pts/ptmx" "$root/dev/ptmx"',
  'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"',
  'exec chroot "$root" "$@"',
].join('\n');

/** The environment inside: nothing inherited from the caller. */
export const CHROOT_ENV: Readonly<Record<string, string>> = {
  PATH: SYSTEM_PATH,
  LC_ALL: 'C.UTF-8',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
};

export interface ChrootStepOptions extends Omit<StepOptions, 'cwd' | 'env'> {
  /** Added to CHROOT_ENV. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs `argv` inside `root` (a host directory holding a Debian tree); throws ToolError on failure. */
export async function runInRoot(root: string, argv: readonly string[], options: ChrootStepOptions): Promise<StepResult> {
  // setpriv --pdeathsig: unshare dies with half-repo (killed, or stopped by a signal), and
  // --kill-child then takes the command's whole namespace down; without it a killed half-repo
  // left unshare and its build running on their own
  const args = ['--pdeathsig', 'KILL', 'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', 'sh', '-c', ENTER, 'half-backport-chroot', root, ...argv];
  const display = `chroot ${root} ${argv.join(' ')}`;
  return runStep('setpriv', args, { ...options, display, env: { ...CHROOT_ENV, ...options.env } });
}

/** `cd dir && command…` inside the root, as one shell command line. */
export function inDirectory(dir: string, argv: readonly string[]): string[] {
  return ['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', dir, ...argv];
}

/** Throws instead of letting a caller delete a tree that still has mounts below it. */
export function assertNothingMountedUnder(dir: string): void {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === dir || point.startsWith(prefix));
  if (mounted.length > 0) {
    throw new ToolError(`refusing to delete ${dir}: still mounted below it: ${mounted.join(', ')}`, {
      hint: 'unmount them (umount), then delete the directory by hand',
    });
  }
}
