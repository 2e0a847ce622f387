// Mounting and unmounting for test roots, and the kernel's own record of what is mounted
// (/proc/self/mountinfo, proc(5)). Unmounting is always limited to mount points at or below
// one directory the caller created, deepest first; a busy mount is detached lazily.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { run } from './tools.js';

export interface MountEntry {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
}

/** Every mount visible to this process, in mount order. */
export function readMountInfo(): MountEntry[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [left = '', right = ''] = line.split(' - ');
      const fields = left.split(' ');
      const [fsType = '', source = ''] = right.split(' ');
      return { mountPoint: unescape(fields[4] ?? ''), fsType, source: unescape(source) };
    });
}

/** Mounts at `dir` or below it, deepest (last mounted) first. */
export function mountsUnder(dir: string): MountEntry[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readMountInfo()
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(prefix))
    .reverse();
}

export async function mount(args: readonly string[]): Promise<void> {
  await run('mount', [...args], { check: true });
}

/** Unmounts everything at or below `dir`; throws if something is still mounted there. */
export async function unmountUnder(dir: string): Promise<void> {
  for (const entry of mountsUnder(dir)) {
    const plain = await run('umount', [entry.mountPoint]);
    if (plain.exitCode !== 0) await run('umount', ['--lazy', entry.mountPoint]);
  }
  assertNothingMounted(dir);
}

/** The same, synchronously, for process-exit cleanup. */
export function unmountUnderSync(dir: string): void {
  for (const entry of mountsUnder(dir)) {
    const plain = spawnSync('umount', [entry.mountPoint], { stdio: 'ignore' });
    if (plain.status !== 0) spawnSync('umount', ['--lazy', entry.mountPoint], { stdio: 'ignore' });
  }
  assertNothingMounted(dir);
}

function assertNothingMounted(dir: string): void {
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw new Error(`still mounted under ${dir} after unmounting: ${left.map((m) => m.mountPoint).join(', ')}; ` +
      'nothing was deleted (unmount them by hand, then remove the directory)');
  }
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescape(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
