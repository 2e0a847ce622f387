// Kills what holds a lock of model/flock-hold.ts the way something on the machine might: the
// command run by this process's flock(1) child for `path`, found through /proc and killed by pid.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the processes whose parent is `pid` (every thread's children). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter((p) => p !== '').map(Number));
}

function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
}

/** SIGKILLs the command that this process's flock(1) runs while it holds `path`; throws if there is none. */
export function killFlockCommand(path: string): void {
  const holder = childrenOf(process.pid).find((pid) => commandLine(pid).includes(path));
  if (holder === undefined) throw new Error(`no flock(1) child of this process holds ${path}`);
  const command = childrenOf(holder);
  if (command.length !== 1) throw new Error(`the flock(1) holding ${path} runs ${command.length} commands, not one`);
  process.kill(command[0] as number, 'SIGKILL');
}
