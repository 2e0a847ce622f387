// What a sender still has to resync, and the resync in progress. One job runs at a time; scopes
// requested meanwhile (anti-entropy repairs, resend-queue overflows) are merged into the next job,
// and a full resync absorbs every pending bucket. A job walks a snapshot of the keys in its scope;
// the stream is ordered, so a key deleted or changed since the snapshot is covered by the live
// change already sent (the job sends each key's current record, or nothing if it is gone).
import type { BucketScope } from '../cache/bucket-scope.js';
import type { FlowKey } from '../cache/flow-cache.js';
import { FULL_SCOPE, bucketScope } from '../cache/bucket-scope.js';
import type { IndexedRecords } from '../model/record.js';

export interface ResyncJob {
  readonly id: number;
  readonly scope: BucketScope;
  readonly keys: readonly FlowKey[];
  /**
   * Records as they were when the node stepped down, sent in place of looking `keys` up (which
   * is then empty): its table is cleared (OutboundStream.becomeReceiver).
   */
  readonly frozen?: IndexedRecords;
  /** A stepped-down node's handover of its table (OutboundStream.becomeReceiver): its frames are marked first sent as the sender. */
  readonly handover?: boolean;
  /** Sequence number of the frame carrying the job's begin marker. */
  readonly beginSeq: number;
  /** Next key (or frozen record) to send. */
  index: number;
}

export class ResyncPlanner {
  private nextId = 1;
  private current: ResyncJob | undefined;
  private pendingFull = false;
  private readonly pendingBuckets = new Set<number>();

  get job(): ResyncJob | undefined {
    return this.current;
  }

  /** No job running and nothing pending. */
  get idle(): boolean {
    return this.current === undefined && !this.pendingFull && this.pendingBuckets.size === 0;
  }

  /** Everything the running job and the pending scopes cover; undefined when idle. */
  owed(): BucketScope | undefined {
    const running = this.current?.scope;
    if (this.pendingFull || running?.full === true) return FULL_SCOPE;
    if (running === undefined && this.pendingBuckets.size === 0) return undefined;
    return bucketScope([...this.pendingBuckets, ...(running === undefined ? [] : running.buckets)]);
  }

  schedule(scope: BucketScope): void {
    if (scope.full) {
      this.pendingFull = true;
      this.pendingBuckets.clear();
    } else if (!this.pendingFull) {
      for (const bucket of scope.buckets) this.pendingBuckets.add(bucket);
    }
  }

  /** The scope of the next job (clearing what was pending), if anything is pending. */
  takePending(): BucketScope | undefined {
    if (this.pendingFull) {
      this.pendingFull = false;
      this.pendingBuckets.clear();
      return FULL_SCOPE;
    }
    if (this.pendingBuckets.size === 0) return undefined;
    const scope = bucketScope(this.pendingBuckets);
    this.pendingBuckets.clear();
    return scope;
  }

  clearPending(): void {
    this.pendingFull = false;
    this.pendingBuckets.clear();
  }

  begin(scope: BucketScope, keys: ResyncJob['keys'], beginSeq: number, frozen?: ResyncJob['frozen'], handover = false): ResyncJob {
    if (scope.full) this.clearPending();
    const id = this.nextId;
    this.nextId = this.nextId === 0xffffffff ? 1 : this.nextId + 1;
    this.current = { id, scope, keys, beginSeq, index: 0, ...(frozen === undefined ? {} : { frozen }), ...(handover ? { handover } : {}) };
    return this.current;
  }

  /** Ends the current job (finished, or abandoned on a role change or a superseding full job). */
  end(): void {
    this.current = undefined;
  }
}
