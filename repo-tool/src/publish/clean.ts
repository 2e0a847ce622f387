// `half-repo clean`: removes what no publish removes. A publish collects the pool files its
// state retires and the ones a stopped publish listed as pending; this also finds pool files
// neither the state nor any published index names (left by a publish killed before HALF kept a
// pending list, or put there by hand) and temporary names a killed publish left. Runs under the
// publish lock; never removes a file the state or a Packages or Sources index of dists/ names.
import { PublishError } from '../model/errors.js';
import { poolPathsOf, STATE_DIR, STATE_PATH } from '../repo/state.js';
import { indexedPoolPaths } from './indexed-pool.js';
import { isTempName } from './journal.js';
import { acquireLock } from './lock.js';
import { readPending, writePending } from './pending.js';
import { loadState } from './state-store.js';
import type { PublishedStorage } from './storage.js';

export interface CleanOptions {
  /** List what would go, remove nothing. */
  readonly dryRun?: boolean;
  /** Process id written to the lock (default: this process). */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

export interface CleanResult {
  /** What nothing names, sorted: removed unless it is a dry run. */
  readonly unreferenced: readonly string[];
  readonly removed: readonly string[];
}

export async function cleanRepository(storage: PublishedStorage, options: CleanOptions = {}): Promise<CleanResult> {
  const release = await acquireLock(storage, { pid: options.pid ?? process.pid, ...(options.isAlive ? { isAlive: options.isAlive } : {}) });
  try {
    return await cleanLocked(storage, options.dryRun === true);
  } finally {
    await release().catch(() => undefined);
  }
}

async function cleanLocked(storage: PublishedStorage, dryRun: boolean): Promise<CleanResult> {
  const pool = await storage.list('pool');
  if (pool.length > 0 && (await storage.stat(STATE_PATH)) === undefined) {
    throw new PublishError(`${storage.location}/${STATE_PATH} is missing: every pool file would look unreferenced`, {
      hint: `restore ${STATE_PATH} from a backup; clean removes nothing without it`,
    });
  }
  const named = poolPathsOf(await loadState(storage));
  for (const path of await indexedPoolPaths(storage)) named.add(path);
  const unreferenced = [
    ...pool.filter((p) => !named.has(p)),
    ...(await storage.list('dists')).filter(isTempName),
    ...(await storage.list(STATE_DIR)).filter(isTempName),
  ].sort();
  if (dryRun) return { unreferenced, removed: [] };

  const removed: string[] = [];
  const failed: string[] = [];
  for (const path of unreferenced) {
    try {
      await storage.remove(path);
      removed.push(path);
    } catch (error) {
      failed.push(`${path}: ${(error as Error).message}`);
    }
  }
  const pending = await readPending(storage);
  if (removed.some((p) => pending.has(p))) await writePending(storage, new Set([...pending].filter((p) => !removed.includes(p))));
  if (failed.length > 0) {
    throw new PublishError(`cleaning ${storage.location}: removed ${removed.length} of ${unreferenced.length} unreferenced files; could not remove ${failed.join('; ')}`, {
      hint: 'fix the cause (permissions, a read-only mount) and run half-repo clean again; no index lists these files',
    });
  }
  return { unreferenced, removed };
}
