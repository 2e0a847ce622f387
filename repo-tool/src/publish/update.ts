// The whole publish cycle in one call, as `half-repo build`, `publish` and `import` run it:
// read the state, rescan the pool (re-reading only changed files), add packages, plan, publish.
import type { Signer } from '../model/signer.js';
import type { RepoConfig } from '../repo/config.js';
import type { DebInspector } from '../repo/deb-inspector.js';
import type { IndexCompressor } from '../repo/index-compressor.js';
import { planRepository } from '../repo/plan.js';
import type { RepoPlan } from '../repo/plan-model.js';
import type { MergedContents, RepoContents } from '../repo/pool-additions.js';
import type { Clock } from './clock.js';
import { scanPool } from './pool-scan.js';
import type { PoolScan } from './pool-scan.js';
import { publish } from './publish.js';
import type { PublishResult } from './publish.js';
import { acquireLock } from './lock.js';
import { loadState } from './state-store.js';
import type { PublishedStorage } from './storage.js';

export interface UpdateOptions {
  readonly storage: PublishedStorage;
  readonly config: RepoConfig;
  /** Release Date and signature date. */
  readonly date: Date;
  readonly signer: Signer;
  /** Judges retention ages. */
  readonly clock: Clock;
  readonly inspect: DebInspector;
  readonly compressor: IndexCompressor;
  /**
   * Adds packages to what the pool holds, e.g. `(known) => mergeIntoRepository(known, built)` or
   * `(known) => importPackages(files, known, options)`. Default: add nothing (republish).
   */
  readonly add?: (known: RepoContents) => MergedContents | Promise<MergedContents>;
  /** Also adopt .debs found in the pool that the state does not know. */
  readonly adoptUnknown?: boolean;
}

export interface UpdateResult {
  readonly scan: PoolScan;
  readonly plan: RepoPlan;
  readonly result: PublishResult;
}

/** Reads, plans and publishes under one lock, so a concurrent publisher cannot make the plan stale. */
export async function updateRepository(options: UpdateOptions): Promise<UpdateResult> {
  const { storage, config } = options;
  const lock = await acquireLock(storage, { pid: process.pid });
  let outcome: UpdateResult;
  try {
    const previous = await loadState(storage);
    const scan = await scanPool(storage, previous, { config, inspect: options.inspect, ...(options.adoptUnknown !== undefined ? { adoptUnknown: options.adoptUnknown } : {}) });
    const merged = options.add === undefined ? { binaries: scan.binaries, sources: scan.sources, additions: [] } : await options.add(scan);
    const plan = await planRepository({ config, date: options.date, ...merged, compressor: options.compressor });
    const result = await publish(plan, storage, options.signer, options.clock, { previous, poolStats: scan.stats, lock });
    outcome = { scan, plan, result };
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
  await lock.release().catch(() => undefined);
  return outcome;
}
