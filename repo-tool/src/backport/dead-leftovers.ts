// What a backport build killed part way leaves in the cache: its work directory
// (`work-<key>-<pid>.<random>`, a build root of some 800 MB) with its log (`<key>.log`, removed
// with a stopped build's work directory; a failed build's stays for reading), an entry moved
// aside by a build storing its result (`<key>.stale-<pid>`), and a half-made builder image
// (`images/<imageKey>.tar.tmp-<pid>.<random>.tar`, some 450 MB); the random part keeps builds in
// containers sharing the cache, whose pids may be equal, apart. Their makers hold a lock beside
// them as an flock (`<key>.flock` for a build, `images/<imageKey>.flock` for an image): whoever
// can take that lock knows no one uses them, whatever container or pid namespace the maker ran
// in, and removes them while holding it. A holder removes the leftovers of its own lock but its
// own. A root kept on purpose for inspection (`keepFailedRoot`, marked by KEPT_MARKER) stays, and
// so does a leftover of a half-repo from before these locks (named without the random part) whose
// pid runs here: that one judged by pid alone.
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressSink } from './backport-plan.js';
import { assertNothingMountedUnder } from './chroot-run.js';
import { tryFlock } from '../model/flock-hold.js';
import { processAlive } from '../model/process-alive.js';

export const KEPT_MARKER = 'KEPT';

/** A build's work directory in the cache; groups: the cache key (its lock's name), the builder's pid, the random part (none before the locks). */
export const WORK_DIR_NAME = /^work-(.+)-([1-9][0-9]*)(\.[0-9a-f]{8})?$/;
/** A builder image being made, in the cache's images/; groups: the image key (its lock's name), the maker's pid, the random part. */
export const IMAGE_TEMP_NAME = /^(.+)\.tar\.tmp-([1-9][0-9]*)(\.[0-9a-f]{8})?\.tar$/;
/** A cache entry moved aside while its key's new build is put in place (backport-cache.ts), then
 *  deleted; groups: the cache key (its lock's name), the pid. No random part: judged by the lock
 *  and by the pid too. */
export const STALE_ENTRY_NAME = /^(.+)\.stale-([1-9][0-9]*)$/;

function randomPart(): string {
  return randomBytes(4).toString('hex');
}

export function workDirName(cacheKey: string, pid: number, random = randomPart()): string {
  return `work-${cacheKey}-${pid}.${random}`;
}

export function staleEntryName(cacheKey: string, pid: number): string {
  return `${cacheKey}.stale-${pid}`;
}

export function imageTempName(imageFile: string, pid: number, random = randomPart()): string {
  return `${imageFile}.tmp-${pid}.${random}.tar`;
}

/** The lock in `dir` its makers hold while they use the leftovers named by `lockName` (not `.lock`: older half-repos used that name for pid files they remove). */
export function leftoverLock(dir: string, lockName: string): string {
  return join(dir, `${lockName}.flock`);
}

interface Leftover {
  readonly path: string;
  readonly pid: number;
  /** Made by a half-repo from before these locks: judged by its pid too. */
  readonly legacy: boolean;
}

export interface SweepOptions {
  readonly remove: (path: string) => Promise<void>;
  /** Told when a lock cannot be tried (a read-only cache): its leftovers stay. */
  readonly warn: (text: string) => void;
  readonly isAlive?: (pid: number) => boolean;
  /** Files of a lock's name that go with its removed leftovers (a stopped build's `<key>.log`). */
  readonly companions?: (lockName: string) => readonly string[];
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
    group.push({ path: join(dir, name), pid, legacy: match[3] === undefined });
    groups.set(match[1]!, group);
  }
  return groups;
}

async function removable(leftover: Leftover, isAlive: (pid: number) => boolean): Promise<boolean> {
  if (leftover.legacy && isAlive(leftover.pid)) return false;
  return !(await stat(join(leftover.path, KEPT_MARKER)).then(() => true, () => false));
}

/** Removes, for every lock no one holds now, the leftovers of `dir` it guards, holding it meanwhile. */
export async function sweepUnlocked(dir: string, pattern: RegExp, options: SweepOptions): Promise<void> {
  for (const [lockName, group] of await leftoversByLock(dir, pattern)) {
    const lock = leftoverLock(dir, lockName);
    let hold;
    try {
      hold = await tryFlock(lock);
    } catch (error) {
      options.warn(`backport: leaving ${group.map((l) => l.path).join(', ')}: cannot try the lock: ${(error as Error).message}`);
      continue;
    }
    if (hold === undefined) continue; // its holder removes them
    try {
      let removed = false;
      for (const leftover of group) {
        if (!(await removable(leftover, options.isAlive ?? processAlive))) continue;
        await options.remove(leftover.path);
        removed = true;
      }
      if (removed) for (const path of options.companions?.(lockName) ?? []) await rm(path, { force: true }).catch(() => undefined);
    } finally {
      await hold.release();
    }
  }
}

/** Removes the leftovers of `dir` guarded by the lock `lockName`, which this process holds, but `own`. */
export async function sweepHeld(dir: string, pattern: RegExp, lockName: string, own: string, options: SweepOptions): Promise<void> {
  const group = (await leftoversByLock(dir, pattern)).get(lockName) ?? [];
  for (const leftover of group) {
    if (leftover.path !== own && (await removable(leftover, options.isAlive ?? processAlive))) await options.remove(leftover.path);
  }
}

/** Removes stopped builds' leftovers, saying so; a problem (something still mounted below a work directory) is a warning. */
export function removeStopped(progress: ProgressSink): SweepOptions {
  const remove = async (path: string): Promise<void> => {
    progress.info(`backport: removing ${path}, left by a build that was stopped`);
    try {
      if ((await stat(path)).isDirectory()) assertNothingMountedUnder(path);
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      progress.warn(`backport: could not delete ${path}: ${(error as Error).message}`);
    }
  };
  return { remove, warn: (text) => progress.warn(text) };
}
