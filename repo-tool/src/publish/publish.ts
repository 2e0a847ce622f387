// Applies a RepoPlan so that no client ever sees a broken repository (aptly's publish, with
// the renames in a fixed order): sign first; then new pool files (listed first in
// .half-repo/pending; never overwriting a published one); then by-hash files; then every changed
// index, Release, Release.gpg and InRelease under temporary names in their own directories; then the switch: renames, InRelease of each suite last.
// Anything failing before the switch is undone, leaving the tree exactly as it was. After
// the switch, by-hash and pool files past their retention are removed, and so are pool files a
// stopped publish was creating that the new state does not name, and the temporary names a
// killed publish left.
import { HalfRepoError, PublishError } from '../model/errors.js';
import type { Signer } from '../model/signer.js';
import type { RepoPlan } from '../repo/plan-model.js';
import type { RepoState } from '../repo/state.js';
import { PENDING_PATH, poolPathsOf, serializeState, STATE_PATH } from '../repo/state.js';
import type { Clock } from './clock.js';
import { isTempName, Journal, tempName } from './journal.js';
import { acquireLock, LOCK_PATH } from './lock.js';
import type { PublishLock } from './lock.js';
import { nextState } from './next-state.js';
import { readPending, writePending } from './pending.js';
import { removeAll } from './remove-all.js';
import type { NextState } from './next-state.js';
import { checkPool, writePool } from './pool-writer.js';
import { signReleases } from './sign-releases.js';
import { stageSuites, writeByHash } from './stage-suites.js';
import type { Rename } from './stage-suites.js';
import { loadState } from './state-store.js';
import type { PublishedStorage, StoredFileStat } from './storage.js';

export interface PublishOptions {
  /** The state the plan was made from (saves reading it again); default: read from the storage. */
  readonly previous?: RepoState;
  /** Pool stats from the scan the plan was made from (saves a second stat of every pool file). */
  readonly poolStats?: ReadonlyMap<string, StoredFileStat>;
  /** Process id written to the lock (default: this process). */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
  /** The lock the caller holds already (it read the state under it: see updateRepository). */
  readonly lock?: PublishLock;
}

export interface PublishResult {
  readonly state: RepoState;
  /** Pool files this publish created. */
  readonly addedPool: readonly string[];
  /** Published names replaced by the switch, in switch order (InRelease of each suite last). */
  readonly switched: readonly string[];
  /** by-hash and pool files removed after their retention. */
  readonly removed: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Publishes `plan`. Takes the repository lock unless given `lock`; a plan made from a state read
 * without the lock may be stale if another publisher ran meanwhile (updateRepository reads,
 * plans and publishes under one lock).
 */
export async function publish(plan: RepoPlan, storage: PublishedStorage, signer: Signer, clock: Clock, options: PublishOptions = {}): Promise<PublishResult> {
  if (options.lock !== undefined) return publishLocked(plan, storage, signer, clock, options.lock, options);
  const lock = await acquireLock(storage, { pid: options.pid ?? process.pid, ...(options.isAlive ? { isAlive: options.isAlive } : {}) });
  let result: PublishResult;
  try {
    result = await publishLocked(plan, storage, signer, clock, lock, options);
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
  try {
    await lock.release();
    return result;
  } catch (error) {
    return { ...result, warnings: [...result.warnings, `could not remove the lock ${LOCK_PATH}: ${(error as Error).message}`] };
  }
}

async function publishLocked(plan: RepoPlan, storage: PublishedStorage, signer: Signer, clock: Clock, lock: PublishLock, options: PublishOptions): Promise<PublishResult> {
  const journal = new Journal(storage);
  let addedPool: string[];
  let renames: Rename[];
  let next: NextState;
  let step = 'reading the state';
  let pendingBefore: Set<string> | undefined;
  let staleTemps: string[] = [];
  try {
    const previous = options.previous ?? (await loadState(storage));
    step = 'signing';
    const signed = await signReleases(plan.suites, signer, plan.date);
    step = 'checking the pool';
    const published = poolPathsOf(previous);
    pendingBefore = await readPending(storage);
    const pool = await checkPool(plan, storage, new Set([...pendingBefore].filter((p) => !published.has(p))), options.poolStats);
    const present = pool.present;
    // Before any pool file is written: what this publish creates (and what a stopped one did),
    // so that a publish stopped before its switch leaves the next one the files it may replace.
    const creating = plan.pool.filter((f) => f.bytes !== undefined && !present.has(f.path)).map((f) => f.path);
    step = 'listing the pool files it creates';
    await writePending(storage, new Set([...pendingBefore, ...creating]));
    const distsBefore = await storage.list('dists');
    // Temporary names found now are a killed publish's (this one holds the lock): gone after the switch.
    staleTemps = [...distsBefore.filter(isTempName), ...[...pendingBefore].map(tempName)];
    const existingByHash = distsBefore.filter((p) => p.includes('/by-hash/') && !isTempName(p));
    step = 'writing pool files';
    addedPool = await writePool(plan, journal, pool);
    step = 'writing by-hash files';
    await writeByHash(plan, storage, journal);
    step = 'staging indexes and signed Release files';
    const suiteRenames = await stageSuites(plan, signed, storage, journal);
    step = 'recording the state';
    next = await nextState(plan, storage, previous, clock.now().getTime(), existingByHash, present);
    await journal.stageBytes(tempName(STATE_PATH), serializeState(next.state));
    // The state goes first: once it is in place it names every pool file the new indexes list.
    renames = [{ from: tempName(STATE_PATH), to: STATE_PATH }, ...suiteRenames];
    // the switch is the one act two publishers must never overlap in
    step = 'confirming it still holds the lock';
    await lock.confirm();
  } catch (cause) {
    const leftovers = await journal.rollback();
    // Every file it made is gone again: the pending list is the stopped publishes' as before.
    if (leftovers.length === 0 && pendingBefore !== undefined) await writePending(storage, pendingBefore).catch(() => undefined);
    throw new PublishError(
      `publishing to ${storage.location} failed while ${step}: ${(cause as Error).message}; ` +
        (leftovers.length === 0 ? 'the published tree was left as it was' : `could not undo: ${leftovers.join('; ')}`),
      { cause, hint: cause instanceof HalfRepoError && cause.hint !== undefined ? cause.hint : 'fix the cause and publish again' },
    );
  }

  const switched: string[] = [];
  for (const { from, to } of renames) {
    try {
      await storage.rename(from, to);
    } catch (cause) {
      throw new PublishError(`publishing to ${storage.location} failed while switching ${to} (after ${switched.length} of ${renames.length} renames): ${(cause as Error).message}`, {
        cause,
        hint: 'publish again to complete the switch; clients using by-hash are not affected',
      });
    }
    if (to !== STATE_PATH) switched.push(to);
  }

  // What stopped publishes were creating that the new state does not name: no index ever listed
  // it, so it goes now (and stays listed as pending if it cannot).
  const nowPublished = poolPathsOf(next.state);
  const abandoned = await removeAll(storage, [...(pendingBefore ?? [])].filter((p) => !nowPublished.has(p)));
  const collected = await removeAll(storage, [...next.collection.byHash, ...next.collection.pool, ...staleTemps]);
  const removed = [...abandoned.removed, ...collected.removed];
  const warnings = [...abandoned.failed, ...collected.failed].map(({ path, reason }) => `could not remove ${path}: ${reason}`);
  await writePending(storage, new Set(abandoned.failed.map((f) => f.path))).catch((error: unknown) =>
    warnings.push(`could not rewrite ${PENDING_PATH}: ${(error as Error).message}`),
  );
  return { state: next.state, addedPool, switched, removed, warnings };
}
