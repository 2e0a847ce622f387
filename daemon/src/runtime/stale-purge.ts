// The purge of a node that lost MASTER (external-cache mode): once the purge delay has passed,
// the connections it replicated while it was MASTER are served by the new master, and what its
// kernel still holds of them is stale. Every kernel entry the replication filter accepts is
// deleted (the node's own connections and the sync link's are outside the filter and stay),
// with the event subscription paused; our table is re-read afterwards.
// Model: conntrackd's primary-backup.sh on BACKUP (`conntrackd -t`, shorten kernel timers).
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { KernelDumper, KernelOp, KernelWriter } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';
import type { RecordChange } from '../model/record.js';
import type { Clock } from '../sync/clock.js';
import type { BulkWrites } from './external-commit.js';

export interface PurgeSummary {
  readonly deleted: number;
  readonly failed: number;
  readonly durationMs: number;
}

export class StalePurge {
  readonly counters = { purges: 0, deleted: 0, failed: 0 };

  constructor(
    private readonly dumper: KernelDumper,
    private readonly writer: KernelWriter,
    private readonly bulk: BulkWrites,
    private readonly filter: FlowFilter,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async purge(): Promise<PurgeSummary> {
    const started = this.clock.now();
    // entries as records (dumpConntrackRecords: scanned, not decoded); deleted by their keys
    const entries = await this.dumper.dumpConntrackRecords({ filter: this.filter });
    const expectations = await this.dumper.dumpExpectations({ filter: this.filter });
    const ops = expectations.entries.map((expectation): KernelOp => ({ op: 'delete-expectation', expectation }));
    const deletes = entries.entries.map((record): RecordChange => ({ op: 'delete', table: record.table, key: record.key }));
    const reports = await this.bulk.quietly('purge', async () => [await this.writer.apply(ops), await this.writer.applyRecords(deletes)]);
    const deleted = reports.reduce((n, r) => n + r.deleted, 0);
    const failed = reports.reduce((n, r) => n + r.failed, 0);
    const summary: PurgeSummary = { deleted, failed, durationMs: this.clock.now() - started };
    this.counters.purges++;
    this.counters.deleted += deleted;
    this.counters.failed += failed;
    this.logger.info('stale kernel entries purged', { deleted: summary.deleted, failed: summary.failed, ms: Math.round(summary.durationMs) });
    return summary;
  }
}
