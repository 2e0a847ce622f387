// What a backport build killed part way leaves in the cache: its work directory
// (`work-<key>-<pid>`, a build root of some 800 MB) and a half-made builder image
// (`images/<key>.tar.tmp-<pid>.tar`). Named by the pid that made them, they are found and
// removed by the next build once that process is gone; a root kept on purpose for inspection
// (`keepFailedRoot`, marked by KEPT_MARKER) stays.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../model/process-alive.js';

export const KEPT_MARKER = 'KEPT';

/** Entries of `dir` named `prefix<pid>suffix` whose process no longer runs (never this one's). */
export async function deadLeftovers(dir: string, prefix: string, suffix = '', isAlive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(suffix)) continue;
    const pid = name.slice(prefix.length, name.length - suffix.length);
    if (!/^[1-9][0-9]*$/.test(pid) || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    if (await stat(join(dir, name, KEPT_MARKER)).then(() => true, () => false)) continue;
    found.push(join(dir, name));
  }
  return found;
}
