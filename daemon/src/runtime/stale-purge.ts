// The purge of a node that lost MASTER (external-cache mode): once the purge delay has passed,
// the connections it replicated while it was MASTER are served by the new master, and what its
// kernel still holds of them is stale. Every kernel entry the replication filter accepts is
// deleted (the node's own connections and the sync link's are outside the filter and stay),
// with the event subscription paused; our table is re-read afterwards.
// Model: conntrackd's primary-backup.sh on BACKUP (`conntrackd -t`, shorten kernel timers).
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { KernelDumper, KernelOp, KernelWriter } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';
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
    const entries = await this.dumper.dumpConntrack({ filter: this.filter });
    const expectations = await this.dumper.dumpExpectations({ filter: this.filter });
    const ops: KernelOp[] = [
      ...expectations.entries.map((expectation): KernelOp => ({ op: 'delete-expectation', expectation })),
      ...entries.entries.map((entry): KernelOp => ({ op: 'delete', entry })),
    ];
    const report = await this.bulk.quietly('purge', () => this.writer.apply(ops));
    const summary: PurgeSummary = { deleted: report.deleted, failed: report.failed, durationMs: this.clock.now() - started };
    this.counters.purges++;
    this.counters.deleted += report.deleted;
    this.counters.failed += report.failed;
    this.logger.info('stale kernel entries purged', { deleted: summary.deleted, failed: summary.failed, ms: Math.round(summary.durationMs) });
    return summary;
  }
}
