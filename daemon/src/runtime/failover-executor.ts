// The effects of failover plans (ha/failover-plan.ts) on this daemon's layers: the takeover guard
// (nft set), the commit of the external cache, our own table re-read from the kernel, the sync
// role, the purge of stale entries and resync requests to the peers. The FailoverDriver calls
// these one at a time, in plan order, and records what failed; a failure here is logged and
// thrown so the driver counts it, and the plan goes on (the guard must come off regardless).
import type { TakeoverGuard } from '../ha/nft-guard.js';
import type { FailoverExecutor } from '../ha/failover-driver.js';
import type { Logger } from '../metrics/logger.js';
import type { ExternalCommitter } from './external-commit.js';
import type { StalePurge } from './stale-purge.js';
import type { TableResync } from './table-resync.js';

/** What the executor needs of the sync node. */
export interface SyncRoleControl {
  becomeSender(): void;
  becomeReceiver(): void;
  requestResync(): void;
}

export interface FailoverExecutorDeps {
  readonly guard: TakeoverGuard;
  readonly committer: ExternalCommitter;
  readonly ownTable: TableResync;
  readonly purge: StalePurge;
  readonly node: SyncRoleControl;
  readonly logger: Logger;
}

export class DaemonFailoverExecutor implements FailoverExecutor {
  constructor(private readonly deps: FailoverExecutorDeps) {}

  async guardOn(): Promise<void> {
    await this.logged('takeover guard on', () => this.deps.guard.on());
  }

  async guardOff(): Promise<void> {
    await this.logged('takeover guard off', () => this.deps.guard.off());
  }

  async commitExternalCache(): Promise<void> {
    await this.logged(undefined, () => this.deps.committer.commit('failover'));
  }

  async resyncOwnTable(): Promise<void> {
    await this.logged(undefined, () => this.deps.ownTable.request('failover'));
  }

  async becomeSender(): Promise<void> {
    this.deps.node.becomeSender();
    this.deps.logger.info('sync role: sender (replicating this node\'s table)');
  }

  async stopSending(): Promise<void> {
    this.deps.node.becomeReceiver();
    this.deps.logger.info('sync role: receiver (keeping the peers\' tables)');
  }

  async purgeStale(): Promise<void> {
    await this.logged(undefined, async () => {
      await this.deps.purge.purge();
      await this.deps.ownTable.request('purge');
    });
  }

  async requestResync(): Promise<void> {
    this.deps.node.requestResync();
    this.deps.logger.info('asked the peers for a full resync');
  }

  async shutdown(): Promise<void> {
    this.deps.node.becomeReceiver();
    this.deps.logger.info('keepalived stopped: this node left the sender role and waits for keepalived');
  }

  private async logged(done: string | undefined, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      if (done !== undefined) this.deps.logger.info(done);
    } catch (error) {
      this.deps.logger.error('failover action failed', { error: (error as Error).message });
      throw error;
    }
  }
}
