// One build per cache key at a time (and one maker per builder image), across processes, and
// across containers sharing the cache: an flock on `<key>.flock` (`images/<imageKey>.flock`;
// model/flock-hold.ts), which the kernel drops when its holder dies.
// The holder writes its pid into the file for the waiters' message only; nothing is judged by it.
// The caller re-checks the cache once it holds the lock: the other build may have stored the
// result meanwhile.
import { readFile, writeFile } from 'node:fs/promises';
import { tryFlock, waitFlock } from '../model/flock-hold.js';

/** Takes the lock at `path`; resolves with its release function. `onWait` is told once when another build holds it (with its pid, if it wrote one). */
export async function acquireBuildLock(path: string, onWait: (pid: number | undefined) => void): Promise<() => Promise<void>> {
  let hold = await tryFlock(path);
  if (hold === undefined) {
    onWait(await holderPid(path));
    hold = await waitFlock(path);
  }
  const held = hold;
  try {
    await writeFile(path, `${process.pid}\n`);
  } catch (error) {
    await held.release();
    throw error;
  }
  return () => held.release();
}

async function holderPid(path: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
