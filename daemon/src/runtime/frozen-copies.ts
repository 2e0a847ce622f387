// The sender's upkeep of its peers' copies (external-cache mode), once a second. A copy stops
// changing when its peer stops sending. If that peer was the sender alongside this node (a
// split brain keepalived has just ended, or the overlap of a takeover while the old master had
// not yet stepped down), what the copy took in since may be connections that peer served and
// this node's kernel lacks: that is merged first, a create-only commit that keeps every entry
// the kernel holds (what came before is in this node's kernel already: its takeover committed
// it, or, in a split brain, the peer's own takeover had it from this node). Then
// every frozen copy is emptied: a later commit here (a VRRP flap of this node, keepalived
// restarted) must not bring back connections closed since and states long gone. Not in direct
// mode: there is no commit, and a peer's next full resync deletes from the kernel what it sweeps
// from a copy kept whole. A copy that takes in entries while its merge's commit runs (a late
// resend, a handover's last frames) is kept for another round, which merges only what arrived
// since the first began (by arrival time: the copy's entries are stamped with the sync clock).
import type { ExternalCaches } from '../cache/external-caches.js';
import type { CachedFlow } from '../cache/flow-cache.js';
import type { Logger } from '../metrics/logger.js';
import type { FlowRecord, Table } from '../model/record.js';
import type { Clock } from '../sync/clock.js';
import type { ExternalCommitter } from './external-commit.js';

/** What the upkeep needs of the sync node (SyncNode). */
export interface PeerCopies {
  readonly role: 'sender' | 'receiver';
  overlappedCopies(): readonly OverlappedCopy[];
  forgetFrozenCopies(only?: readonly number[]): { readonly origins: readonly number[]; readonly entries: number };
}

export interface OverlappedCopy {
  readonly origin: number;
  /** Since when the peer was the sender alongside this node (clock time). */
  readonly since: number;
}

/** The records of the copies named that changed since their time (ExternalCaches.changedSince). */
export type ChangedSince = (copies: readonly OverlappedCopy[]) => readonly FlowRecord[];

/**
 * What a merge takes from the copies: their entries changed since their time, but those whose
 * connection this node remembers closing (SyncNode.closedSince): a create-only merge would bring
 * them back; and those our own table holds (`internal`): the
 * create-only merge keeps our entry, so they add nothing, but our kernel may close one while the
 * merge writes, with no event followed then (KernelSubscription.quietly), and the write would
 * create it again from the peer's state (a review: 50 of 50 such closes back after a handover,
 * whose table mostly duplicates ours).
 */
export function mergeSource(
  external: Pick<ExternalCaches, 'changedSince'>,
  node: { closedSince(flow: CachedFlow): boolean },
  internal: { has(table: Table, key: Uint8Array): boolean },
): ChangedSince {
  return (copies) => external.changedSince(copies, (flow) => internal.has(flow.record.table, flow.record.key) || node.closedSince(flow));
}

export class FrozenCopyUpkeep {
  private merging: Promise<void> | undefined;
  /**
   * Per copy kept after a merge because it took in entries while the merge ran: when that merge
   * began. The next round merges only what changed since (what came before is merged).
   */
  private readonly mergedThrough = new Map<number, number>();
  /** Merges run, and those whose commit failed as a whole. */
  readonly counters = { merges: 0, mergeFailures: 0 };

  constructor(
    private readonly node: PeerCopies,
    private readonly changedSince: ChangedSince,
    private readonly committer: Pick<ExternalCommitter, 'commit' | 'running'>,
    private readonly logger: Logger,
    /** The sync node's clock: a copy's entries are stamped with it (FlowCache.set). */
    private readonly clock: Pick<Clock, 'now'>,
    /**
     * Whether a re-read of our own table runs or waits (TableResync.busy), or the takeover's
     * comparison of its commit with a re-read (DaemonFailoverExecutor.closesPending). A commit
     * pauses the events (KernelSubscription.quietly), and a connection that closed meanwhile is
     * remembered closed only once a re-read after it has found it gone: a round before would merge
     * it again from a copy that took it in late.
     */
    private readonly rereading: () => boolean = () => false,
  ) {}

  /** One round; a merge it starts ends in `settled`. */
  tick(): void {
    // a commit under way reads the copies lazily: nothing is emptied meanwhile
    if (this.merging !== undefined) return;
    if (this.node.role !== 'sender') {
      // a later takeover begins with whole copies again
      this.mergedThrough.clear();
      return;
    }
    if (this.committer.running > 0 || this.rereading()) return;
    const startedAt = this.clock.now();
    const overlapped = this.node.overlappedCopies().map(({ origin, since }) => ({ origin, since: Math.max(since, this.mergedThrough.get(origin) ?? since) }));
    const records = overlapped.length > 0 ? this.changedSince(overlapped) : [];
    if (records.length > 0) {
      this.merging = this.merge(overlapped.map((c) => c.origin), records, startedAt).finally(() => (this.merging = undefined));
      return;
    }
    this.forget();
  }

  /** The merge under way, if any (tests, shutdown). */
  get settled(): Promise<void> {
    return this.merging ?? Promise.resolve();
  }

  private async merge(origins: readonly number[], records: readonly FlowRecord[], startedAt: number): Promise<void> {
    this.counters.merges++;
    this.logger.info('peers that were the sender alongside this node have stopped: merging what they replicated meanwhile (create-only)', { nodes: origins.join(','), entries: records.length });
    let failed = false;
    try {
      await this.committer.commit('merge', { origins, records });
    } catch (error) {
      failed = true;
      // a failure of the socket, not of entries (those are in the commit's report): the copies
      // are emptied all the same, or every round would try again
      this.counters.mergeFailures++;
      this.logger.error('merging the copies of peers that stopped failed; their connections are lost to this node', { nodes: origins.join(','), error: (error as Error).message });
    }
    if (this.node.role !== 'sender') return;
    // only those merged: a copy that froze meanwhile is merged at the next round, and so is one
    // that took in entries while this merge ran (what it took in exists in no kernel but its
    // peer's); after a failed commit, not: every round would try again
    const tookIn = failed ? [] : origins.filter((origin) => this.changedSince([{ origin, since: startedAt }]).length > 0);
    for (const origin of tookIn) this.mergedThrough.set(origin, startedAt);
    if (tookIn.length > 0) this.logger.info('copies took in entries while their merge ran: what came since is merged at the next round', { nodes: tookIn.join(',') });
    const done = origins.filter((origin) => !tookIn.includes(origin));
    if (done.length > 0) this.forget(done);
  }

  private forget(only?: readonly number[]): void {
    const forgotten = this.node.forgetFrozenCopies(only);
    for (const origin of forgotten.origins) this.mergedThrough.delete(origin);
    if (forgotten.origins.length > 0) this.logger.info('copies of peers that no longer send emptied: this node is the sender', { nodes: forgotten.origins.join(','), entries: forgotten.entries });
  }
}
