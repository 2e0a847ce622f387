// The commit: every entry of the external cache (the peers' connections) written into the
// kernel's conntrack table, create-or-update, in large batches (NetlinkKernelWriter cuts them
// into datagrams of many requests), with the event subscription paused (its echoes would only
// slow it down; the table is re-read afterwards). What a MASTER transition does in external-cache mode, and
// what `half commit` does by hand. Each commit is timed, counted, logged and kept for
// `half status` and the metrics (commit duration histogram). Model: conntrackd's -c.
// One commit at a time: two at once (`half commit` on two connections, or during the takeover's)
// would write the same keys in parallel, and the delete-then-create of one could take out the
// other's fresh entry. Like TableResync.request, full commits asked for while one runs share one
// more, which reads the caches only when it starts (so it holds everything each asker wanted
// committed); a merge writes its own records, so it is queued, never joined. Nothing is skipped
// and the queue stays short: one full commit waiting at most, and the merges of frozen copies.
import type { ExternalCaches } from '../cache/external-caches.js';
import type { IndexedRecords } from '../model/record.js';
import type { CommitStats, CommitSummary } from '../control/status-model.js';
import type { KernelWriter, OpResult } from '../kernel/kernel-roles.js';
import { COMMIT_BOUNDS_MS, LatencyHistogram } from '../metrics/latency-histogram.js';
import type { Logger } from '../metrics/logger.js';
import type { Clock } from '../sync/clock.js';

/** Runs a bulk write without following its echoes (kernel-subscription.ts). */
export interface BulkWrites {
  quietly<T>(reason: string, work: () => Promise<T>): Promise<T>;
}

/** A commit of records from some origins' copies that keeps what the kernel holds (commit-plan.ts, createOnly). */
export interface MergeCommit {
  readonly origins: readonly number[];
  readonly records: IndexedRecords;
}

/** Failure reasons logged per commit (the rest are only counted). */
const LOGGED_FAILURES = 5;

export class ExternalCommitter {
  private readonly histogram = new LatencyHistogram(COMMIT_BOUNDS_MS);
  private count = 0;
  private inProgress = 0;
  /** Settles when the last commit queued has ended (however it ended). */
  private tail: Promise<unknown> = Promise.resolve();
  /** The full commit queued and not yet started, which further full commits join. */
  private next: { readonly reasons: string[]; readonly run: Promise<CommitSummary>; keep: boolean } | undefined;
  private last: CommitSummary | null = null;
  /** Entries that failed, all commits together. */
  failedEntries = 0;
  /** Clock time the latest commit's writes ended (a re-read of the table must start after it). */
  lastWriteEndedAt: number | undefined;
  /** What the last commit (not a merge) asked to keep them wrote, until taken (takeLastCommitted). */
  private lastCommitted: IndexedRecords | undefined;

  constructor(
    private readonly external: ExternalCaches,
    private readonly writer: KernelWriter,
    private readonly bulk: BulkWrites,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Origins to commit last, in order (SyncNode.originsByLastSending: the copy of the latest sender wins). */
    private readonly commitOrder: () => readonly number[] = () => [],
  ) {}

  /**
   * The records the last commit wrote, once, if it was asked to keep them (a takeover's, not a
   * merge): the takeover's re-read tells from them
   * which connections closed before the table was followed (DaemonFailoverExecutor). Taken, they
   * are not held (the copies' memory, which forgetFrozenCopies let go).
   */
  takeLastCommitted(): IndexedRecords | undefined {
    const records = this.lastCommitted;
    this.lastCommitted = undefined;
    return records;
  }

  /** Commits under way or waiting: their snapshot reads the caches lazily, which must not be emptied meanwhile. */
  get running(): number {
    return this.inProgress;
  }

  /**
   * Commits every copy, create-or-update; or, for a merge, the records given, create-only. Waits
   * for the commit running, if any; a full commit then resolves with the summary of the run that
   * covered it (shared with the full commits asked for meanwhile).
   */
  async commit(reason: string, merge?: MergeCommit, options: { readonly keepRecords?: boolean } = {}): Promise<CommitSummary> {
    this.inProgress++;
    try {
      return await this.enqueue(reason, merge, options.keepRecords === true);
    } finally {
      this.inProgress--;
    }
  }

  /** `keep`: the run's records are kept for takeLastCommitted (a full commit only). */
  private enqueue(reason: string, merge: MergeCommit | undefined, keep: boolean): Promise<CommitSummary> {
    if (merge === undefined && this.next !== undefined) {
      if (!this.next.reasons.includes(reason)) this.next.reasons.push(reason);
      this.next.keep ||= keep;
      return this.next.run;
    }
    const reasons = [reason];
    const next = { reasons, keep, run: undefined as unknown as Promise<CommitSummary> };
    const run: Promise<CommitSummary> = this.tail.then(() => {
      if (this.next?.run === run) this.next = undefined; // started: a later request needs a run of its own
      return this.commitNow(reasons.join(', '), merge, next.keep);
    });
    next.run = run;
    if (merge === undefined) this.next = next;
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commitNow(reason: string, merge: MergeCommit | undefined, keep: boolean): Promise<CommitSummary> {
    const started = this.clock.now();
    const records = merge?.records ?? this.external.snapshot(this.commitOrder());
    const report = await this.bulk.quietly(`commit (${reason})`, async () => {
      const written = await this.writer.commitRecords(records, { createOnly: merge !== undefined });
      this.lastWriteEndedAt = this.clock.now();
      if (keep && merge === undefined) this.lastCommitted = writtenOnly(records, written.results);
      return written;
    });
    const durationMs = this.clock.now() - started;
    const summary: CommitSummary = { entries: records.length, created: report.created, replaced: report.replaced, updated: report.updated, failed: report.failed, durationMs };
    this.failedEntries += report.failed;
    // a merge is no takeover: the count, the last commit and the duration histogram (the
    // takeover's figure) are the commits' (merges are counted as frozenCopyMerges)
    if (merge === undefined) {
      this.count++;
      this.last = summary;
      this.histogram.observe(durationMs, this.clock.now());
    }
    const kept = merge === undefined ? 0 : report.results.filter((r) => r.ok && r.action === 'kept').length;
    const fields = {
      reason,
      ...(merge === undefined ? {} : { origins: merge.origins.join(','), kept }),
      entries: summary.entries,
      created: summary.created,
      replaced: report.replaced,
      updated: summary.updated,
      failed: summary.failed,
      ms: Number(durationMs.toFixed(1)),
      requests: report.messages,
      retries: report.retries,
    };
    const withoutHelper = report.results.filter((r) => r.ok && r.action === 'created-without-helper').length;
    if (withoutHelper > 0) {
      this.logger.warn('connections committed without their helper, which this node does not have (what the helper would expect, an FTP data connection say, is not)', {
        entries: withoutHelper,
        fix: 'load the same conntrack helpers on every node (e.g. modprobe nf_conntrack_ftp), and the same nft ct helper objects',
      });
    }
    if (report.failed === 0) this.logger.info('external cache committed to the kernel', fields);
    else {
      this.logger.warn('external cache committed to the kernel with failures', fields);
      let logged = 0;
      for (const result of report.results) {
        if (result.ok || logged++ >= LOGGED_FAILURES) continue;
        this.logger.warn('entry not committed', { errno: result.code, reason: result.reason });
      }
    }
    return summary;
  }

  stats(): CommitStats {
    return { count: this.count, last: this.last, durationMs: this.histogram.snapshot(this.clock.now()) };
  }
}

/**
 * The records whose write succeeded: one the kernel refused (its table full, a master missing) is
 * not in the kernel, and the takeover's re-read, not finding it, must not take it for a close.
 */
function writtenOnly(records: IndexedRecords, results: readonly OpResult[]): IndexedRecords {
  const written: number[] = [];
  for (let i = 0; i < records.length; i++) if (results[i]?.ok === true) written.push(i);
  if (written.length === records.length) return records;
  return { length: written.length, at: (i) => records.at(written[i] as number) };
}
