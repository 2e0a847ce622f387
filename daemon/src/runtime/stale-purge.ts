// The purge of a node that lost MASTER (external-cache mode): once the purge delay has passed,
// the connections it replicated while it was MASTER are served by the new master, and what its
// kernel still holds of them is stale. Every kernel entry the replication filter accepts is
// deleted (the node's own connections and the sync link's are outside the filter and stay),
// with the event subscription paused; our table is re-read afterwards. Expectations are deleted
// under their masters' zones, resolved from the dump as a resync does (master-zones.ts): the
// kernel reports none, and deletes by the number of the master's zone. (The kernel would remove
// them with their masters anyway; a delete under the wrong zone found nothing and was counted so.)
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
}

/** Passes over the table while its dumps come back interrupted (entries may have been missed). */
export const PURGE_PASSES = 3;

export class StalePurge {
  readonly counters = { purges: 0, deleted: 0, failed: 0, interruptedDumps: 0, undecodable: 0 };

  constructor(
    private readonly dumper: KernelDumper,
    private readonly writer: KernelWriter,
    private readonly bulk: BulkWrites,
    private readonly filter: FlowFilter,
    private readonly zones: MasterZones,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async purge(): Promise<PurgeSummary> {
    const started = this.clock.now();
    let deleted = 0;
    let failed = 0;
    // A dump the kernel marks interrupted (NLM_F_DUMP_INTR: the table changed under it) may have
    // skipped entries, which would stay: the table is read and purged again.
    for (let pass = 1; pass <= PURGE_PASSES; pass++) {
      const { reports, interrupted } = await this.pass();
      deleted += reports.reduce((n, r) => n + r.deleted, 0);
      failed += reports.reduce((n, r) => n + r.failed, 0);
      if (!interrupted) break;
      this.counters.interruptedDumps++;
      if (pass === PURGE_PASSES) this.logger.warn('stale purge: the kernel table kept changing during its dumps; some stale entries may remain', { passes: pass });
    }
    const summary: PurgeSummary = { deleted, failed, durationMs: this.clock.now() - started };
    this.counters.purges++;
    this.counters.deleted += deleted;
    this.counters.failed += failed;
    this.logger.info('stale kernel entries purged', { deleted: summary.deleted, failed: summary.failed, ms: Math.round(summary.durationMs) });
    return summary;
  }

  private async pass(): Promise<{ reports: { deleted: number; failed: number }[]; interrupted: boolean }> {
    // entries as records (dumpConntrackRecords: scanned, not decoded); deleted by their keys
    const entries = await this.dumper.dumpConntrackRecords({ filter: this.filter });
    const expectations = await this.dumper.dumpExpectations({ filter: this.filter });
    this.counters.undecodable += entries.undecodable + expectations.undecodable;
    const resolved = this.zones.resolveDumped(entries.entries, expectations.entries);
    const ops = resolved.map((expectation): KernelOp => ({ op: 'delete-expectation', expectation }));
    const deletes = entries.entries.map((record): RecordChange => ({ op: 'delete', table: record.table, key: record.key }));
    const reports = await this.bulk.quietly('purge', async () => [await this.writer.apply(ops), await this.writer.applyRecords(deletes)]);
    return { reports, interrupted: entries.interrupted || expectations.interrupted };
  }
}
