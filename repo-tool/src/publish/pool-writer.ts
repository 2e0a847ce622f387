// Pool files: checked before anything is written (a published file is never overwritten, and
// every file an index lists must be there), then created under their final names; a file a
// publish stopped before its switch was creating (its pending list) and no state lists is replaced.
import { createHash } from 'node:crypto';
import { PublishError } from '../model/errors.js';
import type { RepoPlan } from '../repo/plan-model.js';
import type { Journal } from './journal.js';
import type { PublishedStorage, StoredFileStat } from './storage.js';

const PARALLEL = 16;

/** Runs `work` on every item, a few at a time; on the first failure starts no more, waits for the running ones, then throws it. */
export async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

export interface PoolCheck {
  /** Stat of the plan's files already in the pool with the planned content. */
  readonly present: Map<string, StoredFileStat>;
  /**
   * Files in the pool with other content that a publish stopped before its switch was creating
   * (its pending list names them) and no state lists: no index ever named them. They are replaced.
   */
  readonly leftovers: ReadonlySet<string>;
}

/**
 * Checks the plan's pool files against the storage. `replaceable`: pool paths a stopped publish
 * was creating that the state does not list; any other file is never overwritten.
 */
export async function checkPool(plan: RepoPlan, storage: PublishedStorage, replaceable: ReadonlySet<string>, known?: ReadonlyMap<string, StoredFileStat>): Promise<PoolCheck> {
  // Files the pool scan just saw need no second stat; new ones (and all, without a scan) do.
  const unknown = plan.pool.filter((f) => f.bytes !== undefined || known?.get(f.path) === undefined).map((f) => f.path);
  const fresh = await storage.statMany(unknown);
  const looked = new Map(unknown.map((p, i) => [p, fresh[i]]));
  const stats = plan.pool.map((f) => (looked.has(f.path) ? looked.get(f.path) : known?.get(f.path)));
  const present = new Map<string, StoredFileStat>();
  const existingAdditions: { path: string; sha256: string }[] = [];
  plan.pool.forEach((file, i) => {
    const stat = stats[i];
    if (stat !== undefined) present.set(file.path, stat);
    if (file.bytes === undefined && stat === undefined) {
      throw new PublishError(`${storage.location}/${file.path} is listed but missing from the pool`, {
        hint: 'the state is out of date: publish again (the pool is rescanned) or import the package again',
      });
    }
    if (file.bytes !== undefined && stat !== undefined) existingAdditions.push({ path: file.path, sha256: file.digests.sha256 });
  });
  const leftovers = new Set<string>();
  await inParallel(existingAdditions, async ({ path, sha256 }) => {
    const existing = createHash('sha256').update(await storage.readFile(path)).digest('hex');
    if (existing === sha256) return;
    if (replaceable.has(path)) {
      leftovers.add(path);
      present.delete(path);
      return;
    }
    throw new PublishError(`${storage.location}/${path} already exists with different content`, {
      hint: 'a published pool file is never overwritten: give the package a new version',
    });
  });
  return { present, leftovers };
}

/** Creates every new pool file (replacing the check's leftovers); returns the paths it wrote. */
export async function writePool(plan: RepoPlan, journal: Journal, check: PoolCheck): Promise<string[]> {
  const created: string[] = [];
  await inParallel(
    plan.pool.filter((f) => f.bytes !== undefined && !check.present.has(f.path)),
    async (file) => {
      const bytes = file.bytes as Uint8Array;
      if (check.leftovers.has(file.path)) {
        await journal.replaceLeftover(file.path, bytes);
        created.push(file.path);
      } else if (await journal.createNew(file.path, bytes)) created.push(file.path);
    },
  );
  return created.sort();
}
