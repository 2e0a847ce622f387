// One publisher at a time per repository: `.half-repo/lock` holds the publisher's pid. A lock
// left by a process that no longer exists is taken over, by one publisher even when several
// find it stale at once.
import { PublishError } from '../model/errors.js';
import { STATE_DIR } from '../repo/state.js';
import type { PublishedStorage } from './storage.js';

export const LOCK_PATH = `${STATE_DIR}/lock`;

export interface LockOptions {
  readonly pid: number;
  /** Whether a process id is alive (default: signal 0). */
  readonly isAlive?: (pid: number) => boolean;
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock; returns the function that releases it. */
export async function acquireLock(storage: PublishedStorage, options: LockOptions): Promise<() => Promise<void>> {
  try {
    return await tryLock(storage, options);
  } catch (cause) {
    if (cause instanceof PublishError) throw cause;
    throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}: ${(cause as Error).message}`, {
      cause,
      hint: 'check that the repository directory is writable; nothing was published',
    });
  }
}

async function tryLock(storage: PublishedStorage, options: LockOptions): Promise<() => Promise<void>> {
  const temp = `${LOCK_PATH}.${options.pid}`;
  const aside = `${LOCK_PATH}.stale.${options.pid}`;
  const quietly = (path: string) => storage.remove(path).catch(() => undefined);
  const text = (path: string) => storage.readFile(path).then((b) => new TextDecoder().decode(b), () => undefined);
  try {
    await storage.writeFile(temp, new TextEncoder().encode(`${options.pid}\n`));
    let locked = false;
    for (let attempt = 0; attempt < 3 && !locked; attempt++) {
      locked = await storage.link(temp, LOCK_PATH);
      if (locked) break;
      const held = await text(LOCK_PATH);
      if (held === undefined) continue; // released meanwhile
      const holder = Number.parseInt(held, 10);
      if (Number.isInteger(holder) && holder > 0 && (options.isAlive ?? signalZero)(holder)) {
        throw new PublishError(`another half-repo (pid ${holder}) is publishing to ${storage.location}`, {
          hint: `wait for it to finish; if no such process runs, remove ${storage.location}/${LOCK_PATH}`,
        });
      }
      // Stale: its process is gone. Another publisher may have judged it so too and taken the
      // lock since it was read, so it is moved aside (one of them can) and only then judged by
      // what was moved: a live lock moved by mistake goes back.
      const moved = await storage.rename(LOCK_PATH, aside).then(() => true, () => false);
      if (!moved) continue;
      const was = await text(aside);
      if (was !== held && !(await storage.link(aside, LOCK_PATH))) {
        await quietly(aside);
        throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}: other publishers are taking it over at the same time`, { hint: 'retry in a moment' });
      }
      await quietly(aside);
    }
    if (!locked) throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}`, { hint: 'another publisher keeps taking it; retry' });
  } catch (error) {
    await quietly(temp);
    throw error;
  }
  try {
    await storage.remove(temp);
  } catch (error) {
    await quietly(LOCK_PATH);
    await quietly(temp);
    throw error;
  }
  return async () => storage.remove(LOCK_PATH);
}
