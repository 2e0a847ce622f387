// One build per cache key at a time (and one maker per builder image), across processes, and
// across containers sharing the cache: an flock on `<key>.flock` (`images/<imageKey>.flock`;
// model/flock-hold.ts), which the kernel drops when its holder dies.
// The holder writes its pid into the file for the waiters' message only; nothing is judged by it.
// The caller re-checks the cache once it holds the lock: the other build may have stored the
// result meanwhile. Before it puts its result in place, it confirms that it still holds the lock:
// if something killed the flock(1) process holding it, another build may be in, and may be
// reading or replacing that very entry.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ToolError } from '../model/errors.js';
import { cacheFileError } from './cache-error.js';
import { tryFlock, waitFlock } from '../model/flock-hold.js';

export interface BuildLock {
  release(): Promise<void>;
  /** Throws a ToolError when the lock may be another build's now (its flock(1) holder was killed). */
  confirm(): void;
}

/** Takes the lock at `path`. `onWait` is told once when another build holds it (with its pid, if it wrote one). */
export async function acquireBuildLock(path: string, onWait: (pid: number | undefined) => void): Promise<BuildLock> {
  let hold = await tryFlock(path).catch((error: unknown) => lockFailed(path, error));
  if (hold === undefined) {
    onWait(await holderPid(path));
    hold = await waitFlock(path).catch((error: unknown) => lockFailed(path, error));
  }
  const held = hold;
  try {
    await writeFile(path, `${process.pid}\n`);
  } catch (error) {
    await held.release();
    lockFailed(path, error);
  }
  return {
    release: () => held.release(),
    confirm: () => {
      if (!held.lost()) return;
      throw new ToolError(`lost the build lock ${path}: the flock(1) process holding it for this half-repo ended`, {
        hint: 'something on the machine killed it, so another build may be in: nothing was put in place; run the command again',
      });
    },
  };
}

/** flock-hold.ts throws plain Errors: the filesystem's (a cache that is a file, a full disk) as
 *  a ConfigError, anything else of flock(1) as a ToolError, both naming the lock. */
function lockFailed(path: string, error: unknown): never {
  throw cacheFileError(error, dirname(path)) ?? new ToolError(`cannot take the build lock ${path}: ${(error as Error).message}`, {
    hint: 'flock(1) and setpriv(1) come with util-linux; the cache must be on a filesystem with flock(2) locks (a local disk; not every network filesystem has them)',
    cause: error,
  });
}

async function holderPid(path: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
