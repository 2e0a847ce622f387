// The purge of a node that lost MASTER (external-cache mode): once the purge delay has passed,
// the connections it replicated while it was MASTER are served by the new master, and what its
// kernel still holds of them is stale. Every kernel entry the replication filter accepts is
// deleted (the node's own connections and the sync link's are outside the filter and stay),
// with the event subscription paused; our table is re-read afterwards. Expectations are deleted
// under their masters' zones, resolved from the dump as a resync does (master-zones.ts): the
// kernel reports none, and deletes by the number of the master's zone. (The kernel would remove
// them with their masters anyway; a delete under the wrong zone found nothing and was counted so.)
// A purge stops between its steps (dumps, slices of PURGE_SLICE deletes) once it is no longer
// due: a node that became MASTER again serves those entries.
// Model: conntrackd's primary-backup.sh on BACKUP (`conntrackd -t`, shorten kernel timers).
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { KernelDumper, KernelOp, KernelWriter } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';
import type { RecordChange } from '../model/record.js';
import type { Clock } from '../sync/clock.js';
import type { BulkWrites } from './external-commit.js';
import type { MasterZones } from './master-zones.js';

export interface PurgeSummary {
  readonly deleted: number;
  readonly failed: number;
  readonly durationMs: number;
  /** Stopped before the end: the node was MASTER again (no longer due). */
  readonly stopped: boolean;
}

/** Passes over the table while its dumps come back interrupted (entries may have been missed). */
export const PURGE_PASSES = 3;
/** Deletes written between two looks at whether the purge is still due. */
export const PURGE_SLICE = 4096;

/** Thrown inside a pass when the purge is no longer due. */
class PurgeStopped extends Error {}

export class StalePurge {
  readonly counters = { purges: 0, deleted: 0, failed: 0, interruptedDumps: 0, undecodable: 0, stopped: 0, skipped: 0 };
  private skippedInRow = 0;

  constructor(
    private readonly dumper: KernelDumper,
    private readonly writer: KernelWriter,
    private readonly bulk: BulkWrites,
    private readonly filter: FlowFilter,
    private readonly zones: MasterZones,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * A purge that fell due while no peer is the sender: nobody took over what this node's kernel
   * holds (its own link failed while it was the only master, or the peers are gone, or the new
   * master still commits), so those entries are the only copy and stay until a peer sends
   * (FailoverMachine.purgeSkipped arms the purge again). conntrackd's script shortens their
   * timers instead.
   */
  skip(): void {
    this.counters.skipped++;
    // said once in a row: the purge is tried again every purge delay while this node is a standby
    if (this.skippedInRow++ === 0) this.logger.warn('stale purge skipped: no peer is the sender, so nobody took over these entries; they stay until one is (tried again every purge delay)');
  }

  /** Purges the table; `stillDue` is asked before each step (default: always due). */
  async purge(stillDue: () => boolean = () => true): Promise<PurgeSummary> {
    this.skippedInRow = 0;
    const started = this.clock.now();
    const tally = { deleted: 0, failed: 0 };
    let stopped = false;
    try {
      // A dump the kernel marks interrupted (NLM_F_DUMP_INTR: the table changed under it) may have
      // skipped entries, which would stay: the table is read and purged again.
      for (let pass = 1; pass <= PURGE_PASSES; pass++) {
        const interrupted = await this.pass(stillDue, tally);
        if (!interrupted) break;
        this.counters.interruptedDumps++;
        if (pass === PURGE_PASSES) this.logger.warn('stale purge: the kernel table kept changing during its dumps; some stale entries may remain', { passes: pass });
      }
    } catch (error) {
      if (!(error instanceof PurgeStopped)) throw error;
      stopped = true;
    }
    const summary: PurgeSummary = { ...tally, durationMs: this.clock.now() - started, stopped };
    this.counters.purges++;
    this.counters.deleted += tally.deleted;
    this.counters.failed += tally.failed;
    if (stopped) {
      this.counters.stopped++;
      this.logger.warn('stale purge stopped: this node is MASTER again and serves those entries', { deleted: summary.deleted, failed: summary.failed, ms: Math.round(summary.durationMs) });
    } else {
      this.logger.info('stale kernel entries purged', { deleted: summary.deleted, failed: summary.failed, ms: Math.round(summary.durationMs) });
    }
    return summary;
  }

  /** One read and purge of the table; whether a dump came back interrupted. */
  private async pass(stillDue: () => boolean, tally: { deleted: number; failed: number }): Promise<boolean> {
    const check = (): void => {
      if (!stillDue()) throw new PurgeStopped();
    };
    check();
    // entries as records (dumpConntrackRecords: scanned, not decoded); deleted by their keys
    // a dump cannot be stopped halfway; between the two, and after them, a MASTER waits no longer
    const entries = await this.dumper.dumpConntrackRecords({ filter: this.filter });
    check();
    const expectations = await this.dumper.dumpExpectations({ filter: this.filter });
    check();
    this.counters.undecodable += entries.undecodable + expectations.undecodable;
    const resolved = this.zones.resolveDumped(entries.entries, expectations.entries);
    const ops = resolved.map((expectation): KernelOp => ({ op: 'delete-expectation', expectation }));
    const deletes = entries.entries.map((record): RecordChange => ({ op: 'delete', table: record.table, key: record.key }));
    const count = (report: { deleted: number; failed: number }): void => {
      tally.deleted += report.deleted;
      tally.failed += report.failed;
    };
    await this.bulk.quietly('purge', async () => {
      check();
      count(await this.writer.apply(ops));
      for (let at = 0; at < deletes.length; at += PURGE_SLICE) {
        check();
        count(await this.writer.applyRecords(deletes.slice(at, at + PURGE_SLICE)));
      }
    });
    return entries.interrupted || expectations.interrupted;
  }
}
