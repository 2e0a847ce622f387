// One publisher at a time per repository, in two layers. A store that offers a lock of its own
// (an flock on a local folder: `.half-repo/flock`) is taken first: the kernel drops it when its
// publisher dies, so publishers in containers sharing the folder, whose pids mean nothing to each
// other, wait too. Then `.half-repo/lock` holds the publisher's pid (for messages, and for
// half-repo versions from before the flock). A publisher that held the flock marks its pid lock
// so (FLOCK_MARK): whoever holds the flock next knows that publisher is gone, whatever its pid
// means here (pid 1 of a container is always alive on the host). An unmarked pid lock is an older
// half-repo's, judged by its pid: one whose process no longer exists is taken over, by one
// publisher even when several find it stale at once (`lock.takeover` makes its re-read and
// removal one publisher's at a time).
// A publisher confirms it still holds both before it acts on what the lock protects (the switch
// of a publish, the removals of a clean): the store's lock is dropped early when something kills
// its holder, and the pid lock may have been removed by hand or taken over meanwhile.
import { PublishError } from '../model/errors.js';
import { processAlive } from '../model/process-alive.js';
import { STATE_DIR } from '../repo/state.js';
import type { PublishedStorage, StoreHold } from './storage.js';

export const LOCK_PATH = `${STATE_DIR}/lock`;
/** The store's own lock (PublishedStorage.hold), never removed. */
export const FLOCK_PATH = `${STATE_DIR}/flock`;

export interface LockOptions {
  readonly pid: number;
  /** Whether a process id is alive (default: signal 0). */
  readonly isAlive?: (pid: number) => boolean;
  /** What the hint says was left undone when the lock cannot be written (default: nothing was published). */
  readonly untouched?: string;
}

/** The repository lock a publisher holds. */
export interface PublishLock {
  release(): Promise<void>;
  /** Throws a PublishError when the lock may no longer be this publisher's alone (see above). */
  confirm(): Promise<void>;
}

/** The second line of a pid lock written under the store's lock. */
const FLOCK_MARK = 'flock';

/**
 * The pid in a lock's text when that publisher may be at work, else undefined: one that wrote it
 * under the store's lock is gone once `flockFree` (the store's lock could be taken); any other is
 * judged by whether its pid runs here.
 */
function livePid(held: string, flockFree: boolean, isAlive: (pid: number) => boolean = processAlive): number | undefined {
  const [first, mark] = held.split('\n');
  if (flockFree && mark === FLOCK_MARK) return undefined;
  const pid = Number.parseInt(first ?? '', 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function busy(storage: PublishedStorage, pid: number): PublishError {
  return new PublishError(`another half-repo (pid ${pid}) is publishing to ${storage.location}`, {
    hint: `wait for it to finish; if no such process runs, remove ${storage.location}/${LOCK_PATH}`,
  });
}

/** The store's lock is held: by a live process, here or in a container sharing the folder. */
async function busyHeld(storage: PublishedStorage): Promise<PublishError> {
  const pid = Number.parseInt((await readText(storage, LOCK_PATH)) ?? '', 10);
  const named = Number.isSafeInteger(pid) && pid > 0 ? ` (pid ${pid})` : '';
  return new PublishError(`another half-repo${named} is publishing to ${storage.location}`, {
    hint: `wait for it to finish: it holds ${storage.location}/${FLOCK_PATH}, which is released when that process ends (on this machine or in a container sharing the folder)`,
  });
}

/** Tries this long before a held store lock counts as a publisher's: a dry run's check holds it for milliseconds. */
const HOLD_TRIES = 5;
const HOLD_RETRY_MS = 200;

async function holdSoon(hold: NonNullable<PublishedStorage['hold']>): Promise<StoreHold | undefined> {
  for (let attempt = 1; ; attempt++) {
    const held = await hold(FLOCK_PATH);
    if (held !== undefined || attempt === HOLD_TRIES) return held;
    await new Promise((resolve) => setTimeout(resolve, HOLD_RETRY_MS));
  }
}

/** Refuses when a live publisher holds the lock, without taking it (for read-only work such as a dry run). */
export async function checkNotLocked(storage: PublishedStorage, isAlive?: (pid: number) => boolean): Promise<void> {
  // a missing flock file is held by no one, and a dry run creates none; one this account cannot
  // open (the publisher's, mode 0600) leaves the pid to judge
  let flockFree = false;
  if (storage.hold !== undefined && (await storage.stat(FLOCK_PATH)) !== undefined) {
    const held = await holdSoon(storage.hold.bind(storage)).catch(() => null);
    if (held === undefined) throw await busyHeld(storage);
    if (held !== null) {
      flockFree = true;
      await held.release();
    }
  }
  const held = await readText(storage, LOCK_PATH);
  const pid = held === undefined ? undefined : livePid(held, flockFree, isAlive);
  if (pid !== undefined) throw busy(storage, pid);
}

/** Takes the lock. */
export async function acquireLock(storage: PublishedStorage, options: LockOptions): Promise<PublishLock> {
  let storeHold: StoreHold | undefined;
  try {
    if (storage.hold !== undefined) {
      storeHold = await holdSoon(storage.hold.bind(storage));
      if (storeHold === undefined) throw await busyHeld(storage);
    }
    const pidLock = await tryLock(storage, options, storeHold !== undefined);
    const held = storeHold;
    return {
      release: async () => {
        try {
          await pidLock.release();
        } finally {
          await held?.release();
        }
      },
      confirm: async () => {
        if (held?.lost() === true) throw lost(storage, `${FLOCK_PATH} was dropped: the flock(1) process holding it for this half-repo ended`);
        const now = await readText(storage, LOCK_PATH);
        if (now !== pidLock.own) throw lost(storage, `${LOCK_PATH} ${now === undefined ? 'is gone' : `names pid ${Number.parseInt(now, 10)} now`}`);
      },
    };
  } catch (cause) {
    await storeHold?.release().catch(() => undefined);
    if (cause instanceof PublishError) throw cause;
    throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}: ${(cause as Error).message}`, {
      cause,
      hint: `check that the repository directory is writable; ${options.untouched ?? 'nothing was published'}`,
    });
  }
}

function lost(storage: PublishedStorage, what: string): PublishError {
  return new PublishError(`lost the lock of ${storage.location}: ${what}`, {
    hint: 'another half-repo may have started to publish meanwhile: run again once it is done, and find what ended the lock (something killing half-repo\'s children, or a hand removing the lock)',
  });
}

/** A takeover marker this old was left by a process that died while taking over (it takes milliseconds). */
const TAKEOVER_STALE_MS = 60_000;

/** One try at a pid lock: taken (with its release), held by a live process, or being taken over by another. */
type LockAttempt =
  | { readonly kind: 'taken'; readonly release: () => Promise<void>; readonly own: string }
  | { readonly kind: 'held'; readonly pid: number }
  | { readonly kind: 'takeover' }
  | { readonly kind: 'contended' };

/**
 * The pid lock `lockPath` in `storage`: the pid file is written aside and hard-linked into place,
 * so it never appears empty; a lock whose publisher is gone is removed by one taker at a time
 * (`LOCK.takeover`), and only if it still holds that content; a release removes only its own
 * lock. `flockHeld`: the taker holds the store's lock, marks its pid lock so, and knows a marked
 * one it finds is a gone publisher's.
 */
async function attemptLock(storage: PublishedStorage, lockPath: string, pid: number, flockHeld: boolean, isAlive?: (pid: number) => boolean): Promise<LockAttempt> {
  const own = flockHeld ? `${pid}\n${FLOCK_MARK}\n` : `${pid}\n`;
  const temp = `${lockPath}.${pid}`;
  const quietly = (path: string) => storage.remove(path).catch(() => undefined);
  let outcome: LockAttempt = { kind: 'contended' };
  try {
    await storage.writeFile(temp, new TextEncoder().encode(own));
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await storage.link(temp, lockPath)) {
        const release = async (): Promise<void> => {
          if ((await readText(storage, lockPath)) === own) await storage.remove(lockPath);
        };
        outcome = { kind: 'taken', release, own };
        break;
      }
      const held = await readText(storage, lockPath);
      if (held === undefined) continue; // released meanwhile
      const holder = livePid(held, flockHeld, isAlive);
      if (holder !== undefined) {
        outcome = { kind: 'held', pid: holder };
        break;
      }
      if (!(await removeStale(storage, lockPath, temp, held))) {
        outcome = { kind: 'takeover' };
        break;
      }
    }
  } catch (error) {
    await quietly(temp);
    throw error;
  }
  try {
    await storage.remove(temp);
  } catch (error) {
    if (outcome.kind === 'taken') await quietly(lockPath);
    await quietly(temp);
    throw error;
  }
  return outcome;
}

/** The pid lock taken: its release, and the content that makes it this publisher's. */
async function tryLock(storage: PublishedStorage, options: LockOptions, flockHeld: boolean): Promise<{ release(): Promise<void>; own: string }> {
  const attempt = await attemptLock(storage, LOCK_PATH, options.pid, flockHeld, options.isAlive);
  switch (attempt.kind) {
    case 'taken':
      return attempt;
    case 'held':
      throw busy(storage, attempt.pid);
    case 'takeover':
      throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}: another half-repo is taking over its stale lock`, { hint: 'retry in a moment' });
    case 'contended':
      throw new PublishError(`cannot take the lock ${storage.location}/${LOCK_PATH}`, { hint: 'another publisher keeps taking it; retry' });
  }
}

/**
 * Removes the lock if it still holds `held`, the content of a lock whose process is gone. Another
 * taker may have judged it stale too and taken the lock since: the re-read and the removal are
 * made by one taker at a time, the one holding the takeover marker, so a lock that changed
 * meanwhile (a live one) is never removed. False when another taker holds the marker.
 */
async function removeStale(storage: PublishedStorage, lockPath: string, temp: string, held: string): Promise<boolean> {
  const marker = `${lockPath}.takeover`;
  if (!(await storage.link(temp, marker))) {
    const since = await storage.stat(marker);
    if (since !== undefined && Date.now() - since.mtimeMs > TAKEOVER_STALE_MS) {
      await storage.remove(marker);
      return true;
    }
    return since === undefined;
  }
  try {
    if ((await readText(storage, lockPath)) === held) await storage.remove(lockPath);
  } finally {
    await storage.remove(marker).catch(() => undefined);
  }
  return true;
}

/** The file's text, or undefined when it cannot be read (gone meanwhile). */
function readText(storage: PublishedStorage, path: string): Promise<string | undefined> {
  return storage.readFile(path).then((b) => new TextDecoder().decode(b), () => undefined);
}
