// The daemon behind the control socket (control/control-handler.ts): `half status`, `half commit`,
// `half flush`, `half resync` and half-notify's transitions, answered from the running layers.
// Caches are flushed per origin (the sync node's inbound streams keep their cache objects).
import type { ExternalCaches } from '../cache/external-caches.js';
import type { FlowCache } from '../cache/flow-cache.js';
import type { ControlHandler } from '../control/control-handler.js';
import { ControlCommandError } from '../control/errors.js';
import type { FlushTarget, ResyncSource } from '../control/protocol.js';
import type { CommitSummary, DaemonStatus, FlushSummary, ResyncSummary } from '../control/status-model.js';
import type { NotifyEvent } from '../ha/notify-event.js';
import type { Logger } from '../metrics/logger.js';
import type { ExternalCommitter } from './external-commit.js';
import type { NotifyInputs } from './notify-inputs.js';
import type { TableResync } from './table-resync.js';

export interface ControlDeps {
  readonly status: () => Promise<DaemonStatus>;
  readonly committer: ExternalCommitter;
  readonly ownTable: TableResync;
  readonly internal: FlowCache;
  readonly external: ExternalCaches;
  /** Asks every peer for a full resync; returns how many peers were asked. */
  readonly requestPeerResync: () => number;
  readonly notify: NotifyInputs;
  readonly logger: Logger;
}

export class DaemonControlHandler implements ControlHandler {
  constructor(private readonly deps: ControlDeps) {}

  status(): Promise<DaemonStatus> {
    return this.deps.status();
  }

  async commit(): Promise<CommitSummary> {
    return this.deps.committer.commit('half commit');
  }

  async flush(target: FlushTarget): Promise<FlushSummary> {
    const { internal, external } = this.deps;
    let internalRemoved = 0;
    let externalRemoved = 0;
    if (target === 'all' || target === 'internal') {
      internalRemoved = internal.size;
      internal.clear();
    }
    if (target === 'all' || target === 'external') {
      for (const origin of external.origins()) {
        const cache = external.peek(origin);
        externalRemoved += cache?.size ?? 0;
        cache?.clear();
      }
    }
    this.deps.logger.info('caches flushed by request', { target, internal: internalRemoved, external: externalRemoved });
    return { target, internal: internalRemoved, external: externalRemoved };
  }

  async resync(source: ResyncSource): Promise<ResyncSummary> {
    if (source === 'peers') {
      const count = this.deps.requestPeerResync();
      this.deps.logger.info('full resync requested from the peers', { peers: count });
      return { source, count };
    }
    try {
      const outcome = await this.deps.ownTable.request('half resync kernel');
      return { source, count: outcome.entries };
    } catch (error) {
      throw new ControlCommandError('kernel-unavailable', `reading the conntrack table failed: ${(error as Error).message}`, {
        hint: 'check that nf_conntrack_netlink is loaded (lsmod) and see `journalctl -u half-syncd`',
      });
    }
  }

  notify(event: NotifyEvent): void {
    this.deps.notify.fromControl(event);
  }
}
