// What a backport build killed part way leaves in the cache: its work directory
// (`work-<key>-<pid>`, a build root of some 800 MB) and a half-made builder image
// (`images/<imageKey>.tar.tmp-<pid>.tar`, some 450 MB). Their makers hold a lock beside them as
// an flock (`<key>.lock` for a build, `images/<imageKey>.lock` for an image): whoever can take that
// lock knows no one uses them, whatever container or pid namespace the maker ran in, and removes
// them while holding it. A holder removes the leftovers of its own lock but its own. A root kept
// on purpose for inspection (`keepFailedRoot`, marked by KEPT_MARKER) stays, and so does one whose
// pid runs here (a half-repo from before these locks, which judged by pid alone).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressSink } from './backport-plan.js';
import { assertNothingMountedUnder } from './chroot-run.js';
import { tryFlock } from '../model/flock-hold.js';
import { processAlive } from '../model/process-alive.js';

export const KEPT_MARKER = 'KEPT';

/** A build's work directory in the cache; groups: the cache key (its lock's name), the builder's pid. */
export const WORK_DIR_NAME = /^work-(.+)-([1-9][0-9]*)$/;
/** A builder image being made, in the cache's images/; groups: the image key (its lock's name), the maker's pid. */
export const IMAGE_TEMP_NAME = /^(.+)\.tar\.tmp-([1-9][0-9]*)\.tar$/;

export function workDirName(cacheKey: string, pid: number): string {
  return `work-${cacheKey}-${pid}`;
}

export function imageTempName(imageFile: string, pid: number): string {
  return `${imageFile}.tmp-${pid}.tar`;
}

/** The lock in `dir` its makers hold while they use the leftovers named by `lockName`. */
export function leftoverLock(dir: string, lockName: string): string {
  return join(dir, `${lockName}.lock`);
}

interface Leftover {
  readonly path: string;
  readonly pid: number;
}

/** Entries of `dir` named by `pattern`, by their lock's name. */
async function leftoversByLock(dir: string, pattern: RegExp): Promise<Map<string, Leftover[]>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const groups = new Map<string, Leftover[]>();
  for (const name of names.sort()) {
    const match = pattern.exec(name);
    const pid = Number(match?.[2] ?? Number.NaN);
    if (match === null || !Number.isSafeInteger(pid)) continue;
    const group = groups.get(match[1]!) ?? [];
    group.push({ path: join(dir, name), pid });
    groups.set(match[1]!, group);
  }
  return groups;
}

async function removable(leftover: Leftover, isAlive: (pid: number) => boolean): Promise<boolean> {
  if (leftover.pid === process.pid || isAlive(leftover.pid)) return false;
  return !(await stat(join(leftover.path, KEPT_MARKER)).then(() => true, () => false));
}

/** Removes, for every lock no one holds now, the leftovers of `dir` it guards, holding it meanwhile. */
export async function sweepUnlocked(
  dir: string,
  pattern: RegExp,
  remove: (path: string) => Promise<void>,
  isAlive: (pid: number) => boolean = processAlive,
): Promise<void> {
  for (const [lockName, group] of await leftoversByLock(dir, pattern)) {
    const hold = await tryFlock(leftoverLock(dir, lockName));
    if (hold === undefined) continue; // its holder removes them
    try {
      for (const leftover of group) if (await removable(leftover, isAlive)) await remove(leftover.path);
    } finally {
      await hold.release();
    }
  }
}

/** Removes the leftovers of `dir` guarded by the lock `lockName`, which this process holds, but `own`. */
export async function sweepHeld(
  dir: string,
  pattern: RegExp,
  lockName: string,
  own: string,
  remove: (path: string) => Promise<void>,
  isAlive: (pid: number) => boolean = processAlive,
): Promise<void> {
  const group = (await leftoversByLock(dir, pattern)).get(lockName) ?? [];
  for (const leftover of group) {
    if (leftover.path !== own && (await removable(leftover, isAlive))) await remove(leftover.path);
  }
}

/** Removes a stopped build's leftover, saying so; a problem (something still mounted below a work directory) is a warning. */
export function removeStopped(progress: ProgressSink): (path: string) => Promise<void> {
  return async (path) => {
    progress.info(`backport: removing ${path}, left by a build that was stopped`);
    try {
      if ((await stat(path)).isDirectory()) assertNothingMountedUnder(path);
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      progress.warn(`backport: could not delete ${path}: ${(error as Error).message}`);
    }
  };
}
