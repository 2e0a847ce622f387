// The effects of failover plans (ha/failover-plan.ts) on this daemon's layers: the takeover guard
// (nft set), the commit of the external cache, our own table re-read from the kernel (and
// followed through events from then on), the sync role, the purge of stale entries and resync
// requests to the peers. The FailoverDriver calls
// these one at a time, in plan order, and records what failed; a failure here is logged and
// thrown so the driver counts it, and the plan goes on (the guard must come off regardless).
import type { TakeoverGuard } from '../ha/nft-guard.js';
import { failureFields } from './failure-fields.js';
import type { FailoverExecutor } from '../ha/failover-driver.js';
import type { Logger } from '../metrics/logger.js';
import type { IndexedRecords, Table } from '../model/record.js';
import type { ExternalCommitter } from './external-commit.js';
import type { StalePurge } from './stale-purge.js';
import type { TableResync } from './table-resync.js';

/** What the executor needs of the sync node. */
export interface SyncRoleControl {
  becomeSender(): void;
  becomeReceiver(): void;
  requestResync(): void;
  /** Empties the copies of peers that are not live senders (SyncNode.forgetFrozenCopies). */
  forgetFrozenCopies(): { readonly origins: readonly number[]; readonly entries: number };
  /** The takeover commit begins (SyncNode.takeoverBegins: the start of an overlap with a peer still sending). */
  takeoverBegins?(): void;
  /** Whether some peer heard within the peer timeout is the sender (SyncNode.peerSends). */
  peerSends(): boolean;
  /** A close of our table no event told, remembered as one (SyncNode.noteOwnClose). */
  noteOwnClose?(table: Table, key: Uint8Array): void;
}

/** Our own table's upkeep: followed through events only while this node is the sender. */
export interface OwnTableUpkeep {
  activate(): Promise<void>;
  deactivate(): void;
  readonly active: boolean;
  /** Whether the kernel delivers our table's events now. */
  readonly subscribed: boolean;
}

export interface FailoverExecutorDeps {
  readonly guard: TakeoverGuard;
  readonly committer: ExternalCommitter;
  readonly ownTable: TableResync;
  readonly events: OwnTableUpkeep;
  /** Our table as replicated (emptied when this node stops sending). */
  readonly internal: { clear(): void; has(table: Table, key: Uint8Array): boolean };
  readonly purge: StalePurge;
  readonly node: SyncRoleControl;
  readonly logger: Logger;
  /** Pause before the guard's second attempt (the third waits twice as long); default GUARD_RETRY_MS. */
  readonly guardRetryMs?: number;
  /** Loads HALF's nftables table again if it is gone, with the guard as last asked (nft-table-keeper.ts). */
  readonly tableCheck?: (reason: string) => Promise<void>;
}

export const GUARD_ATTEMPTS = 3;
export const GUARD_RETRY_MS = 200;

export class DaemonFailoverExecutor implements FailoverExecutor {
  /** Set by this plan's commit: the re-read that follows it (kernel-subscription.ts) will do. */
  private committedAt: number | undefined;
  /** What this plan's commit wrote, until a re-read after it has been compared with it. */
  private committed: IndexedRecords | undefined;
  /** The comparison runs, or waits for a re-read that succeeds (the takeover's failed). */
  private comparing = false;

  constructor(private readonly deps: FailoverExecutorDeps) {}

  async guardOn(): Promise<void> {
    await this.logged('takeover guard on', () => this.toggleGuard(true));
  }

  async guardOff(): Promise<void> {
    await this.logged('takeover guard off', () => this.toggleGuard(false));
  }

  /**
   * One nft transaction, tried GUARD_ATTEMPTS times before the failure counts: a guard left on
   * holds every new forwarded connection, and nothing else would try again before the next
   * transition. After the first failure the table is checked at once: an admin's `nft flush
   * ruleset` or `systemctl restart nftables` (no reload reaches the daemon) takes it, and a
   * takeover must not wait for the periodic check, committing unguarded meanwhile; loaded again,
   * it comes with the guard as asked, and the next attempt follows without a pause.
   */
  private async toggleGuard(on: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await (on ? this.deps.guard.on() : this.deps.guard.off());
        return;
      } catch (error) {
        if (attempt >= GUARD_ATTEMPTS) throw error;
        this.deps.logger.warn(`takeover guard: nft failed, trying again (${attempt} of ${GUARD_ATTEMPTS})`, failureFields(error));
        if (attempt === 1 && this.deps.tableCheck !== undefined) await this.deps.tableCheck('takeover guard change failed');
        else await new Promise((resolve) => setTimeout(resolve, (this.deps.guardRetryMs ?? GUARD_RETRY_MS) * attempt));
      }
    }
  }

  async commitExternalCache(): Promise<void> {
    // an earlier commit's time must not stand for this one (a failed commit, or a re-read a
    // newer state skipped, would let an older dump pass for one made after this commit)
    this.committedAt = undefined;
    this.committed = undefined;
    this.comparing = false;
    this.deps.node.takeoverBegins?.();
    await this.logged(undefined, () => this.deps.committer.commit('failover', undefined, { keepRecords: true }));
    this.committedAt = this.deps.committer.lastWriteEndedAt;
    this.committed = this.deps.committer.takeLastCommitted();
    if (this.committedAt === undefined) return; // the commit failed: the copies are all there is
    const forgotten = this.deps.node.forgetFrozenCopies();
    if (forgotten.origins.length > 0) {
      this.deps.logger.info('committed copies of peers that no longer send emptied (a later commit must not bring them back)', { nodes: forgotten.origins.join(','), entries: forgotten.entries });
    }
  }

  /** Subscribes to our table's events, then reads it whole (subscribe first: nothing is missed). */
  async resyncOwnTable(): Promise<void> {
    const { committedAt } = this;
    this.committedAt = undefined;
    await this.logged(undefined, async () => {
      // a dump begun after the commit will do, if the events were followed since it began: one
      // begun before this subscription (a heal's retry, `half resync kernel` on a standby) missed
      // what happened between its start and the subscription's
      const since = this.deps.events.subscribed ? committedAt : undefined;
      try {
        await this.deps.events.activate();
      } catch (error) {
        // the subscription tries again itself, and reads the table once it is back
        this.compareAfterNextRead();
        throw error;
      }
      try {
        await this.deps.ownTable.request('failover', since);
      } catch (error) {
        // the node serves this table from now on: read it again until a read succeeds (a sender
        // whose table stayed empty would replicate none of its connections), and count the failure
        this.deps.ownTable.heal('failover');
        // the comparison with the commit waits for that read, and merges wait for it (closesPending)
        this.compareAfterNextRead();
        throw error;
      }
      await this.compareWithCommit();
    });
  }

  /**
   * Whether closes of the takeover's window may still be unknown: its commit's records wait to be
   * compared with a re-read. A merge waits meanwhile (FrozenCopyUpkeep): it would bring them back.
   */
  get closesPending(): boolean {
    return this.committed !== undefined || this.comparing;
  }

  private compareAfterNextRead(): void {
    const { committed } = this;
    if (committed === undefined || this.comparing) return;
    this.comparing = true;
    this.deps.ownTable.afterNextRead(() => {
      // another takeover's commit since, or this node left the sender role: not this one's
      if (this.committed !== committed) return;
      this.comparing = false;
      void this.compareWithCommit();
    });
  }

  private async compareWithCommit(): Promise<void> {
    const { committed } = this;
    if (committed === undefined) return;
    this.comparing = true;
    try {
      await this.rememberClosedSinceCommit(committed);
    } finally {
      this.comparing = false;
      if (this.committed === committed) this.committed = undefined;
    }
  }

  /**
   * A connection the takeover commit wrote that the re-read did not find (and no event set since)
   * closed before this node followed its table through events (a standby does not: HALF's
   * nf_conntrack_events=1). No event told, and the re-read knew nothing of it to delete: it is
   * remembered as a close all the same, or a merge of the old sender's table (a handover, late
   * resends) would create it again (a review brought back 36-43 of 50 such connections).
   */
  private async rememberClosedSinceCommit(committed: IndexedRecords): Promise<void> {
    const { internal, node } = this.deps;
    if (node.noteOwnClose === undefined) return;
    for (let i = 0; i < committed.length; i++) {
      const record = committed.at(i);
      if (record !== undefined && !internal.has(record.table, record.key)) node.noteOwnClose(record.table, record.key);
      // a turn of the event loop every few thousand: 200,000 lookups take some 50 ms
      if (i % 4096 === 4095) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async becomeSender(): Promise<void> {
    if (!this.deps.events.active) await this.resyncOwnTable();
    this.deps.node.becomeSender();
    this.deps.logger.info('sync role: sender (replicating this node\'s table)');
  }

  async stopSending(): Promise<void> {
    this.leaveSenderRole();
    this.deps.logger.info('sync role: receiver (keeping the peers\' tables)');
  }

  async purgeStale(stillDue: () => boolean): Promise<'skipped' | void> {
    if (!this.deps.node.peerSends()) {
      this.deps.purge.skip();
      return 'skipped';
    }
    await this.logged(undefined, () => this.deps.purge.purge(stillDue));
  }

  async requestResync(): Promise<void> {
    this.deps.node.requestResync();
    this.deps.logger.info('asked the peers for a full resync');
  }

  async shutdown(): Promise<void> {
    this.leaveSenderRole();
    this.deps.logger.info('keepalived stopped: this node left the sender role and waits for keepalived');
  }

  private leaveSenderRole(): void {
    // what the takeover commit wrote is held no longer (a plan overtaken before its re-read)
    this.committed = undefined;
    this.comparing = false;
    this.deps.node.becomeReceiver();
    this.deps.events.deactivate();
    this.deps.internal.clear();
  }

  private async logged(done: string | undefined, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      if (done !== undefined) this.deps.logger.info(done);
    } catch (error) {
      this.deps.logger.error('failover action failed', failureFields(error));
      throw error;
    }
  }
}
