// One build per cache key at a time, across processes: a lock file holding the builder's pid,
// made whole before it appears (written under a temporary name, then hard-linked into place, so
// a reader never sees it empty). A waiter polls; a lock whose pid is gone (a killed build) is
// taken over by one waiter at a time (`LOCK.takeover`), which removes it only if it still holds
// the dead pid, and a release removes only its own lock. The caller re-checks the cache once it
// holds the lock: the other build may have stored the result meanwhile.
import { link, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { processAlive } from '../model/process-alive.js';

const POLL_MS = 2_000;
/** A takeover marker this old was left by a waiter that died while taking over (it takes milliseconds). */
const TAKEOVER_STALE_MS = 60_000;

const readText = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

async function linked(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes the lock at `path`; resolves with its release function. `onWait` is told once when another build holds it. */
export async function acquireBuildLock(path: string, onWait: (pid: number) => void): Promise<() => Promise<void>> {
  const own = `${process.pid}\n`;
  const temp = `${path}.${process.pid}`;
  await writeFile(temp, own, { mode: 0o644 });
  let told = false;
  try {
    for (;;) {
      if (await linked(temp, path)) break;
      const held = await readText(path);
      if (held === undefined) continue; // released meanwhile
      const pid = Number.parseInt(held, 10);
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        if (!told) onWait(pid);
        told = true;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      await removeStale(path, temp, held);
    }
  } finally {
    await rm(temp, { force: true });
  }
  return async () => {
    if ((await readText(path)) === own) await rm(path, { force: true });
  };
}

/** Removes the lock if it still holds `held` (a dead builder's), as the one waiter holding the takeover marker. */
async function removeStale(path: string, temp: string, held: string): Promise<void> {
  const marker = `${path}.takeover`;
  if (!(await linked(temp, marker))) {
    const since = await stat(marker).then((s) => s.mtimeMs, () => undefined);
    if (since !== undefined && Date.now() - since > TAKEOVER_STALE_MS) await rm(marker, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 50)); // another waiter is taking over
    return;
  }
  try {
    if ((await readText(path)) === held) await rm(path, { force: true });
  } finally {
    await rm(marker, { force: true });
  }
}
