// What a backport build killed part way leaves in the cache: its work directory
// (`work-<key>-<pid>`, a build root of some 800 MB) and a half-made builder image
// (`images/<imageKey>.tar.tmp-<pid>.tar`, some 450 MB). Named by the pid that made them, they are
// found and removed by the next backport of any key once that process is gone; a root kept on
// purpose for inspection (`keepFailedRoot`, marked by KEPT_MARKER) stays.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../model/process-alive.js';

export const KEPT_MARKER = 'KEPT';

/** A build's work directory in the cache; the group is the builder's pid. */
export const WORK_DIR_NAME = /^work-.+-([1-9][0-9]*)$/;
/** A builder image being made, in the cache's images/; the group is the maker's pid. */
export const IMAGE_TEMP_NAME = /^.+\.tar\.tmp-([1-9][0-9]*)\.tar$/;

export function workDirName(cacheKey: string, pid: number): string {
  return `work-${cacheKey}-${pid}`;
}

export function imageTempName(imageFile: string, pid: number): string {
  return `${imageFile}.tmp-${pid}.tar`;
}

/** Entries of `dir` whose name matches `pattern` (group 1: a pid) and whose process no longer runs (never this one's). */
export async function deadLeftovers(dir: string, pattern: RegExp, isAlive: (pid: number) => boolean = processAlive): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names.sort()) {
    const pid = Number(pattern.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    if (await stat(join(dir, name, KEPT_MARKER)).then(() => true, () => false)) continue;
    found.push(join(dir, name));
  }
  return found;
}
