// One build per cache key at a time, across processes: the publish lock's pid-file mechanism
// (publish/lock.ts attemptLock: made whole before it appears, a dead builder's lock taken over by
// one waiter at a time, released only by its holder) on a lock file in the cache. A waiter polls.
// The caller re-checks the cache once it holds the lock: the other build may have stored the
// result meanwhile.
import { basename, dirname } from 'node:path';
import { attemptLock } from '../publish/lock.js';
import { LocalStorage } from '../publish/local-storage.js';

const POLL_MS = 2_000;

/** Takes the lock at `path`; resolves with its release function. `onWait` is told once when another build holds it. */
export async function acquireBuildLock(path: string, onWait: (pid: number) => void): Promise<() => Promise<void>> {
  const storage = new LocalStorage(dirname(path));
  let told = false;
  for (;;) {
    const attempt = await attemptLock(storage, basename(path), process.pid);
    if (attempt.kind === 'taken') return attempt.release;
    if (attempt.kind === 'held' && !told) {
      onWait(attempt.pid);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, attempt.kind === 'held' ? POLL_MS : 50));
  }
}
