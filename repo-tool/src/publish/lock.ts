// One publisher at a time per repository: `.half-repo/lock` holds the publisher's pid. A lock
// left by a process that no longer exists is taken over, by one publisher even when several
// find it stale at once (`lock.takeover` makes its re-read and removal one publisher's at a time).
import { PublishError } from '../model/errors.js';
import { processAlive } from '../model/process-alive.js';
import { STATE_DIR } from '../repo/state.js';
import type { PublishedStorage } from './storage.js';

export const LOCK_PATH = `${STATE_DIR}/lock`;

export interface LockOptions {
  readonly pid: number;
  /** Whether a process id is alive (default: signal 0). */
  readonly isAlive?: (pid: number) => boolean;
  /** What the hint says was left undone when the lock cannot be written (default: nothing was published). */
  readonly untouched?: string;
}

/** The pid in a lock's text when that process runs (a publisher at work), else undefined. */
function livePid(held: string, isAlive: (pid: number) => boolean = processAlive): number | undefined {
  const pid = Number.parseInt(held, 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function busy(storage: PublishedStorage, pid: number): PublishError {
  return new PublishError(`another half-repo (pid ${pid}) is publishing to ${storage.location}`, {
    hint: `wait for it to finish; if no such process runs, remove ${storage.location}/${LOCK_PATH}`,
  });
}

/** Refuses when a live publisher holds the lock, without taking it (for read-only work such as a dry run). */
export async function checkNotLocked(storage: PublishedStorage, isAlive?: (pid: number) => boolean): Promise<void> {
  const held = await readText(storage, LOCK_PATH);
  const pid = held === undefined ? undefined : livePid(held, isAlive);
  if (pid !== undefined) throw busy(storage, pid);
}

/** Takes the lock; returns the function that releases it. */
export async function acquireLock(storage: PublishedStorage, options: LockOptions): Promise<() => Promise<void>> {
  try {
    return await tryLock(storage, options);
  } catch (cause) {
    if (cause instanceof PublishError) throw cause;
    throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}: ${(cause as Error).message}`, {
      cause,
      hint: `check that the repository directory is writable; ${options.untouched ?? 'nothing was published'}`,
    });
  }
}

/** Marks the one publisher judging and removing a stale lock (its pid inside). */
const TAKEOVER_PATH = `${LOCK_PATH}.takeover`;
/** A takeover marker this old was left by a publisher that died while taking over (it takes milliseconds). */
const TAKEOVER_STALE_MS = 60_000;

async function tryLock(storage: PublishedStorage, options: LockOptions): Promise<() => Promise<void>> {
  const own = `${options.pid}\n`;
  const temp = `${LOCK_PATH}.${options.pid}`;
  const quietly = (path: string) => storage.remove(path).catch(() => undefined);
  const text = (path: string) => readText(storage, path);
  try {
    await storage.writeFile(temp, new TextEncoder().encode(own));
    let locked = false;
    for (let attempt = 0; attempt < 3 && !locked; attempt++) {
      locked = await storage.link(temp, LOCK_PATH);
      if (locked) break;
      const held = await text(LOCK_PATH);
      if (held === undefined) continue; // released meanwhile
      const holder = livePid(held, options.isAlive);
      if (holder !== undefined) throw busy(storage, holder);
      await removeStale(storage, temp, held);
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
  // Only our own lock is removed: never a successor's, whatever happened meanwhile.
  return async () => {
    if ((await text(LOCK_PATH)) === own) await storage.remove(LOCK_PATH);
  };
}

/**
 * Removes the lock if it still holds `held`, the content of a lock whose process is gone. Another
 * publisher may have judged it stale too and taken the lock since: the re-read and the removal
 * are made by one publisher at a time, the one holding the takeover marker, so a lock that
 * changed meanwhile (a live one) is never removed.
 */
async function removeStale(storage: PublishedStorage, temp: string, held: string): Promise<void> {
  if (!(await storage.link(temp, TAKEOVER_PATH))) {
    const marker = await storage.stat(TAKEOVER_PATH);
    if (marker !== undefined && Date.now() - marker.mtimeMs > TAKEOVER_STALE_MS) await storage.remove(TAKEOVER_PATH);
    else if (marker !== undefined) throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}: another half-repo is taking over its stale lock`, { hint: 'retry in a moment' });
    return;
  }
  try {
    const now = await readText(storage, LOCK_PATH);
    if (now === held) await storage.remove(LOCK_PATH);
  } finally {
    await storage.remove(TAKEOVER_PATH).catch(() => undefined);
  }
}

/** The file's text, or undefined when it cannot be read (gone meanwhile). */
function readText(storage: PublishedStorage, path: string): Promise<string | undefined> {
  return storage.readFile(path).then((b) => new TextDecoder().decode(b), () => undefined);
}
