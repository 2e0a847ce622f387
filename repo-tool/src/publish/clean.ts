// `half-repo clean`: removes what no publish removes. A publish collects the pool files its
// state retires and the ones a stopped publish listed as pending; this also finds pool files
// neither the state nor any published index names (left by a publish killed before HALF kept a
// pending list, or copied in by hand) and temporary names a killed publish left. It removes
// only regular files with the names of package files (.deb, .dsc, source tarballs…); anything
// else in the pool (a symlink to a directory moved to another disk, a web server's .htaccess)
// is reported and left alone. Under the publish lock (a dry run only checks that no publisher
// runs, and writes nothing); never removes a file the state or a served index names.
import { PublishError } from '../model/errors.js';
import { poolPathsOf, STATE_DIR, STATE_PATH } from '../repo/state.js';
import { indexedPoolPaths } from './indexed-pool.js';
import { isTempName } from './journal.js';
import { acquireLock, checkNotLocked } from './lock.js';
import { readPending, writePending } from './pending.js';
import { removeAll } from './remove-all.js';
import { loadState, requirePublished } from './state-store.js';
import type { PublishedStorage } from './storage.js';

export interface CleanOptions {
  /** List what would go, remove nothing. */
  readonly dryRun?: boolean;
  /** Process id written to the lock (default: this process). */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

export interface LeftAlone {
  readonly path: string;
  readonly why: string;
}

export interface CleanResult {
  /** What nothing names, sorted: removed unless it is a dry run. */
  readonly unreferenced: readonly string[];
  readonly removed: readonly string[];
  /** Unreferenced entries of the pool that are not package files: never removed. */
  readonly leftAlone: readonly LeftAlone[];
}

/** Names a publish gives pool files: binary packages, source packages and their signatures. */
const PACKAGE_FILE = /\.(u?deb|ddeb|dsc|diff\.gz|tar(\.[a-z0-9]+)?(\.asc)?)$/;

export async function cleanRepository(storage: PublishedStorage, options: CleanOptions = {}): Promise<CleanResult> {
  // before the lock, which would make the folder
  await requirePublished(storage);
  if (options.dryRun === true) {
    await checkNotLocked(storage, options.isAlive);
    return findUnreferenced(storage);
  }
  const lock = await acquireLock(storage, {
    pid: options.pid ?? process.pid,
    untouched: 'nothing was removed',
    ...(options.isAlive ? { isAlive: options.isAlive } : {}),
  });
  try {
    const found = await findUnreferenced(storage);
    await lock.confirm();
    return await removeUnreferenced(storage, found);
  } finally {
    await lock.release().catch(() => undefined);
  }
}

async function findUnreferenced(storage: PublishedStorage): Promise<CleanResult> {
  const pool = await storage.list('pool');
  if (pool.length > 0 && (await storage.stat(STATE_PATH)) === undefined) {
    throw new PublishError(`${storage.location}/${STATE_PATH} is missing: every pool file would look unreferenced`, {
      hint: `restore ${STATE_PATH} from a backup; clean removes nothing without it`,
    });
  }
  const named = poolPathsOf(await loadState(storage));
  for (const path of await indexedPoolPaths(storage)) named.add(path);
  const unreferenced: string[] = [];
  const leftAlone: LeftAlone[] = [];
  for (const path of pool.filter((p) => !named.has(p))) {
    if ((await storage.readLink(path)) !== undefined) leftAlone.push({ path, why: 'a symlink' });
    else if (isTempName(path) || PACKAGE_FILE.test(path)) unreferenced.push(path);
    else leftAlone.push({ path, why: 'not a package file' });
  }
  unreferenced.push(...(await storage.list('dists')).filter(isTempName), ...(await storage.list(STATE_DIR)).filter(isTempName));
  return { unreferenced: unreferenced.sort(), removed: [], leftAlone };
}

async function removeUnreferenced(storage: PublishedStorage, found: CleanResult): Promise<CleanResult> {
  const { unreferenced } = found;
  const { removed, failed } = await removeAll(storage, unreferenced);
  const pending = await readPending(storage);
  if (removed.some((p) => pending.has(p))) await writePending(storage, new Set([...pending].filter((p) => !removed.includes(p))));
  if (failed.length > 0) {
    throw new PublishError(`cleaning ${storage.location}: removed ${removed.length} of ${unreferenced.length} unreferenced files; could not remove ${failed.map(({ path, reason }) => `${path}: ${reason}`).join('; ')}`, {
      hint: 'fix the cause (permissions, a read-only mount) and run half-repo clean again; no index lists these files',
    });
  }
  return { ...found, removed };
}
