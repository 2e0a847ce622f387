// An exclusive lock between test processes (vitest runs test files in parallel forks): half-repo's
// own flock (repo-tool/src/model/flock-hold.ts), which the kernel releases when the holder dies,
// even by SIGKILL, so a crashed build never leaves a stale lock behind.
//
//   await withFileLock(`${cacheDir}/bookworm.lock`, async () => { /* build, then rename */ });
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { waitFlock } from '../../repo-tool/src/model/flock-hold.js';
import { requireTool } from './tools.js';

export async function withFileLock<T>(lockPath: string, body: () => Promise<T>): Promise<T> {
  requireTool('flock');
  await mkdir(dirname(lockPath), { recursive: true });
  const hold = await waitFlock(lockPath);
  try {
    return await body();
  } finally {
    await hold.release();
  }
}
