// Our own table re-read from the kernel: a dump of conntrack entries and expectations (filtered
// like events), reconciled with the internal cache as paced local changes (paced-reconcile.ts:
// only the differences are streamed, while we are the sender, without flooding the link). Used at start-up, after every event overrun (events
// were lost: the dump heals that), when this node takes over (failover plan), after purges and
// commits (our own writes are not followed through events), and on `half resync kernel`.
// Requests coalesce: while one resync runs, any number of further requests make one more run.
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { KernelDumper } from '../kernel/kernel-roles.js';
import { expectationToRecord } from '../kernel/record-mapping.js';
import type { Logger } from '../metrics/logger.js';
import type { FlowRecord, RecordChange } from '../model/record.js';
import type { ReconcileResult } from '../sync/local-table.js';
import type { Clock } from '../sync/clock.js';
import type { FlowCache } from '../cache/flow-cache.js';
import type { KernelFeed } from './kernel-feed.js';
import { heldZoneIn, type MasterZones } from './master-zones.js';
import { pacedReconcile } from './paced-reconcile.js';

export interface TableResyncDeps {
  readonly dumper: KernelDumper;
  readonly filter: FlowFilter;
  readonly feed: KernelFeed;
  readonly internal: FlowCache;
  /** Zones of the connections read, and the zone each expectation's master has (master-zones.ts). */
  readonly zones: MasterZones;
  /** Where our table's changes go (SyncNode.localChange). */
  readonly localChange: (change: RecordChange) => void;
  /** Our unacknowledged data frames, and how many the reconcile may leave in flight. */
  readonly inFlight: () => number;
  readonly maxInFlight: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ResyncOutcome extends ReconcileResult {
  /** Entries and expectations read from the kernel (after filtering). */
  readonly entries: number;
  readonly durationMs: number;
}

export class TableResync {
  readonly counters = { resyncs: 0, failures: 0, interruptedDumps: 0, undecodable: 0 };
  private running: Promise<ResyncOutcome> | undefined;
  private runningSince = 0;
  private last: { readonly since: number; readonly outcome: ResyncOutcome } | undefined;
  private again: Promise<ResyncOutcome> | undefined;
  private readonly afterRead: (() => void)[] = [];

  constructor(private readonly deps: TableResyncDeps) {}

  /**
   * Resolves once a dump that started after this call has been reconciled; with `since` (clock
   * ms), a dump that started at or after that time will do (a running or the latest one).
   */
  request(reason: string, since?: number): Promise<ResyncOutcome> {
    if (since !== undefined) {
      if (this.running !== undefined && this.runningSince >= since) return this.running;
      if (this.running === undefined && this.last !== undefined && this.last.since >= since) return Promise.resolve(this.last.outcome);
    }
    // a run is queued: between the end of the running one and its own start (a caller resuming
    // on the run that ended, a failed failover dump healing), a run started here would overlap it
    if (this.again !== undefined) return this.again;
    if (this.running === undefined) return this.start(reason);
    this.again = this.running.catch(() => undefined).then(() => {
      this.again = undefined;
      return this.start(reason);
    });
    return this.again;
  }

  /** Calls `callback` once, after the next re-read that succeeds (a failed takeover read's comparison). */
  afterNextRead(callback: () => void): void {
    this.afterRead.push(callback);
  }

  /** Whether a re-read runs or waits to (one after a commit's pause of the events included). */
  get busy(): boolean {
    return this.running !== undefined || this.again !== undefined;
  }

  /**
   * A request that must eventually succeed (events were lost): a failed dump is tried again
   * after `retryMs`, until one succeeds. Failures are counted and logged by run().
   */
  heal(reason: string, retryMs = 1000): void {
    this.request(reason).catch(() => {
      const timer = setTimeout(() => this.heal(reason, retryMs), retryMs);
      timer.unref();
    });
  }

  private start(reason: string): Promise<ResyncOutcome> {
    const since = this.deps.clock.now();
    this.runningSince = since;
    const run = this.run(reason).then((outcome) => {
      this.last = { since, outcome };
      return outcome;
    });
    void run.finally(() => {
      if (this.running === run) this.running = undefined;
    }).catch(() => undefined);
    this.running = run;
    return run;
  }

  /**
   * The replicated connections and expectations the kernel holds now (filtered, expectations in
   * their master's zone), read without touching our table: a direct-mode standby's start hands
   * them to the sync node (SyncNode.kernelHolds), which deletes those the live sender lacks.
   */
  async readKernel(): Promise<FlowRecord[]> {
    const { dumper, filter } = this.deps;
    const conntrack = await dumper.dumpConntrackRecords({ filter });
    const expectations = await dumper.dumpExpectations({ filter });
    if (conntrack.interrupted || expectations.interrupted) this.counters.interruptedDumps++;
    this.counters.undecodable += conntrack.undecodable + expectations.undecodable;
    const records = conntrack.entries;
    const resolved = this.deps.zones.resolveDumped(records, expectations.entries, heldZoneIn(this.deps.internal));
    for (const x of resolved) {
      try {
        records.push(expectationToRecord(x));
      } catch {
        this.counters.undecodable++;
      }
    }
    return records;
  }

  private async run(reason: string): Promise<ResyncOutcome> {
    const { feed, clock, logger } = this.deps;
    const started = clock.now();
    const touched = feed.beginDump();
    let records: FlowRecord[];
    let result: ReconcileResult;
    try {
      records = await this.readKernel();
      result = await pacedReconcile(records, { ...this.deps, touched });
    } catch (error) {
      this.counters.failures++;
      logger.error('reading the conntrack table failed', { reason, error: (error as Error).message });
      throw error;
    } finally {
      feed.endDump();
    }
    this.counters.resyncs++;
    for (const callback of this.afterRead.splice(0)) callback();
    const outcome: ResyncOutcome = { ...result, entries: records.length, durationMs: clock.now() - started };
    logger.info('own table resynced from the kernel', {
      reason,
      entries: outcome.entries,
      added: result.added,
      changed: result.changed,
      removed: result.removed,
      ms: Math.round(outcome.durationMs),
    });
    return outcome;
  }
}
