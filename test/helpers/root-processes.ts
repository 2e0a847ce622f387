// Processes whose root directory (/proc/PID/root) is a given test root: whatever a test left
// running inside its chroot (a daemon started by a maintainer script, a hung apt). Found by
// their root, killed by pid, so nothing outside that root is ever touched.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';

export async function processesInsideRoot(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const root = await readlink(`/proc/${name}/root`).catch(() => undefined);
    if (root !== undefined && (root === dir || root.startsWith(`${dir}/`))) pids.push(Number(name));
  }
  return pids;
}

/** SIGKILLs every process inside `dir`, then waits (up to ~5 s) until they are gone. */
export async function killProcessesInsideRoot(dir: string): Promise<number[]> {
  const killed = await processesInsideRoot(dir);
  for (const pid of killed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100 && (await processesInsideRoot(dir)).length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return killed;
}

/** True while `pid` runs; false once it is gone or a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The same as killProcessesInsideRoot, synchronously and without waiting, for process exit. */
export function killProcessesInsideRootSync(dir: string): void {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let root: string;
    try {
      root = readlinkSync(`/proc/${name}/root`);
    } catch {
      continue;
    }
    if (root !== dir && !root.startsWith(`${dir}/`)) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
