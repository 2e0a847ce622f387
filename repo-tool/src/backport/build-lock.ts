// One build per cache key at a time, across processes: a lock file created exclusively (O_EXCL)
// holding the builder's pid. A waiter polls; a lock whose pid is gone (a killed build) is taken
// over. The caller re-checks the cache once it holds the lock: the other build may have stored
// the result meanwhile.
import { open, readFile, rm } from 'node:fs/promises';
import { processAlive } from '../model/process-alive.js';

const POLL_MS = 2_000;

/** Takes the lock at `path`; resolves with its release function. `onWait` is told once when another build holds it. */
export async function acquireBuildLock(path: string, onWait: (pid: number) => void): Promise<() => Promise<void>> {
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) {
      await rm(path, { force: true }); // left by a build that died
      continue;
    }
    if (!told) onWait(pid);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
