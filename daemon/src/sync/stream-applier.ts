// Applies a sender's stream entries, in order, to our external cache of that origin: sets and
// deletes (reported live in direct mode), resync marks and sweeps, and the comparison of
// anti-entropy digests, which collects the buckets to ask the origin to repair. Buckets asked
// for stay `requested` until a resync covering them begins: a request lost on the way is asked
// again (inbound-stream.ts), or stale entries of those buckets stayed until anti-entropy.
import type { BucketScope } from '../cache/bucket-scope.js';
import { bucketScope, scopeBuckets, scopeCovers } from '../cache/bucket-scope.js';
import type { FlowCache } from '../cache/flow-cache.js';
import type { RecordChange } from '../model/record.js';
import type { Role, StreamEntry } from '../wire/messages.js';
import type { SyncCounters } from './counters.js';
import { seqAfter } from './serial.js';

export type ExternalChangeHandler = (origin: number, change: RecordChange) => void;

/**
 * Whether a change is kept from the external-change handler (it reaches the cache either way):
 * `sentAs` is the role the origin's frame says it was sent in (undefined: an older node), `swept`
 * whether the change is a delete of the end of a resync (a sweep) rather than one the origin sent.
 */
export type Withholds = (change: RecordChange, sentAs: Role | undefined, swept: boolean) => boolean;

/** Told of each change handed to the external-change handler, with the role its frame was sent in. */
export type Written = (change: RecordChange, sentAs: Role | undefined) => void;

/** Told that a resync covering every bucket ended (after its sweep), with the roles its first and last frames were sent in. */
export type Resynced = (begunAs: Role | undefined, endedAs: Role | undefined) => void;

/**
 * How long a resync may stay open (its begin applied, no end) before it is forgotten and its
 * buckets repaired: while one is open the origin's digests are not compared, so a begin whose
 * end never comes (an origin's bug, a corrupt frame) turned anti-entropy off for good (review).
 * A full resync, paced at 200k records a second while the resend queue has room, takes some
 * ten seconds for two million entries, and slows down only with the ACKs of a lossy link: half
 * an hour is far beyond any honest one (forgotten, its buckets are only repaired again).
 */
export const OPEN_RESYNC_MAX_MS = 30 * 60_000;

export class StreamApplier {
  /** Resyncs whose begin we applied and whose end has not come yet, with the frame they began in. */
  private readonly openJobs = new Map<number, { readonly scope: BucketScope; readonly begunSeq: number; readonly begunAt: number; readonly sentAs: Role | undefined }>();
  /** Buckets to ask the origin to resync. */
  readonly repair = new Set<number>();
  /** Buckets asked for whose resync has not begun yet. */
  readonly requested = new Set<number>();
  /**
   * The sequence number of the frame the latest resync covering every bucket that has ended since
   * the last join began in: we hold the origin's table as it was then, and every change since.
   * Undefined: none has ended.
   */
  fullResyncBegunSeq: number | undefined;
  /** The role the origin sent that resync's first frame in (undefined: a node that predates the header's role bits). */
  fullResyncSentAs: Role | undefined;

  /** Whether a resync covering every bucket has begun and not ended (nor been skipped over). */
  get fullResyncOpen(): boolean {
    for (const { scope } of this.openJobs.values()) if (scope.full) return true;
    return false;
  }

  /** Whether a resync covering every bucket has ended since the last join: we hold the origin's table. */
  get resynced(): boolean {
    return this.fullResyncBegunSeq !== undefined;
  }

  constructor(
    private readonly cache: FlowCache,
    private readonly origin: number,
    private readonly counters: SyncCounters,
    private readonly onChange: ExternalChangeHandler | undefined,
    private readonly withholds: Withholds = () => false,
    private readonly written?: Written,
    private readonly fullResyncEnded?: Resynced,
  ) {}

  /**
   * Applies the entries of the data frame `seq`, sent in `sentAs`, in order; what they change is
   * handed to onChange but what `withholds` keeps (counted as staleDirectChanges).
   */
  apply(entries: readonly StreamEntry[], now: number, seq: number, sentAs?: Role): void {
    const { cache, counters, origin } = this;
    const reports = this.onChange !== undefined;
    for (const entry of entries) {
      switch (entry.kind) {
        case 'set':
          cache.set(entry.record, origin, now);
          counters.recordsApplied++;
          if (reports) this.hand({ op: 'set', record: entry.record }, sentAs, false);
          break;
        case 'delete':
          counters.recordsApplied++;
          if (cache.delete(entry.table, entry.key) && reports) this.hand({ op: 'delete', table: entry.table, key: entry.key }, sentAs, false);
          break;
        case 'resyncBegin': {
          // buckets beyond ours are no buckets (a corrupt frame): a list of none begins nothing
          const scope = this.inRange(entry.scope);
          if (!scope.full && scope.buckets.length === 0) break;
          if (this.requested.size > 0) this.answered(scope);
          for (const [job, open] of this.openJobs) if (scopeCovers(scope, open.scope)) this.openJobs.delete(job);
          this.openJobs.set(entry.job, { scope, begunSeq: seq, begunAt: now, sentAs });
          cache.mark(scope, markTag(entry.job));
          break;
        }
        case 'resyncEnd':
          this.end(entry.job, sentAs);
          break;
        case 'digest':
          this.compare(entry.bucketBits, entry.firstBucket, entry.digests, now);
          break;
      }
    }
  }

  /**
   * Frames were skipped: a resync in progress can no longer sweep safely (a skipped frame may
   * have re-sent a marked key), so forget it and ask for its scope again.
   */
  skipped(): void {
    for (const { scope } of this.openJobs.values()) for (const bucket of scopeBuckets(scope, this.cache.bucketCount)) this.repair.add(bucket);
    this.openJobs.clear();
  }

  /** A new start in the stream (join, at a full resync): nothing is open, nothing resynced yet, nothing owed. */
  reset(): void {
    this.openJobs.clear();
    this.requested.clear();
    this.fullResyncBegunSeq = undefined;
    this.fullResyncSentAs = undefined;
  }

  /**
   * The origin said it became the sender in the frame `seq`: a full resync begun up to there does
   * not hold the table it serves now (a receiver's empty one, answering our join while it was
   * committing its takeover). Its own full resync, begun after it said so, does.
   */
  becameSender(seq: number): void {
    if (this.fullResyncBegunSeq !== undefined && !seqAfter(this.fullResyncBegunSeq, seq)) {
      this.fullResyncBegunSeq = undefined;
      this.fullResyncSentAs = undefined;
    }
  }

  /** A resync of `scope` began: the buckets it covers are no longer waited for. */
  private answered(scope: BucketScope): void {
    if (scope.full) this.requested.clear();
    else for (const bucket of scope.buckets) this.requested.delete(bucket);
  }

  /** Hands one change to onChange, unless withheld. */
  private hand(change: RecordChange, sentAs: Role | undefined, swept: boolean): void {
    if (this.withholds(change, sentAs, swept)) {
      this.counters.staleDirectChanges++;
      return;
    }
    this.onChange?.(this.origin, change);
    this.written?.(change, sentAs);
  }

  private end(job: number, sentAs: Role | undefined): void {
    const open = this.openJobs.get(job);
    if (open === undefined) return;
    const { scope } = open;
    this.openJobs.delete(job);
    if (scope.full || scope.buckets.length >= this.cache.bucketCount) {
      this.fullResyncBegunSeq = open.begunSeq;
      this.fullResyncSentAs = open.sentAs;
    }
    const swept = this.cache.sweep(scope, markTag(job));
    this.counters.sweptEntries += swept.length;
    if (this.onChange !== undefined) for (const record of swept) this.hand({ op: 'delete', table: record.table, key: record.key }, sentAs, true);
    if (scope.full || scope.buckets.length >= this.cache.bucketCount) this.fullResyncEnded?.(open.sentAs, sentAs);
  }

  /** The scope with only the buckets our cache has (sorted, once each), or the full scope. */
  private inRange(scope: BucketScope): BucketScope {
    if (scope.full) return scope;
    const count = this.cache.bucketCount;
    return scope.buckets.every((bucket, i) => bucket < count && (i === 0 || bucket > (scope.buckets[i - 1] as number))) ? scope : bucketScope(scope.buckets.filter((bucket) => bucket < count));
  }

  private compare(bucketBits: number, firstBucket: number, digests: readonly bigint[], now: number): void {
    for (const [job, open] of this.openJobs) {
      if (now - open.begunAt <= OPEN_RESYNC_MAX_MS) continue;
      this.openJobs.delete(job);
      for (const bucket of scopeBuckets(open.scope, this.cache.bucketCount)) this.repair.add(bucket);
    }
    // While a resync is open our copy is legitimately incomplete; its end sweeps and repairs.
    if (this.openJobs.size > 0 || bucketBits !== this.cache.bucketBits) return;
    digests.forEach((digest, i) => {
      const bucket = firstBucket + i;
      if (bucket >= this.cache.bucketCount || this.cache.bucketDigest(bucket) === digest) return;
      this.counters.digestMismatches++;
      this.repair.add(bucket);
    });
  }
}

/** Cache mark of a resync job (never 0, which means unmarked). */
function markTag(job: number): number {
  return job === 0 ? 0x1_0000_0000 : job;
}
