// "Does the standby hold every established flow of the active node?" for HALF, from what an admin
// sees: `half status --json` on both nodes (daemon/src/control/status-model.ts, schema 1) and the
// active node's conntrack table. half-syncd shows no listing of its external cache, so the check
// is made of three facts that together leave nothing out:
//   - the active node replicates at least its established flows (its internal cache holds at
//     least as many entries as the table has established flows that HALF does not ignore);
//   - the standby acknowledged every frame of the active node's stream (lag 0);
//   - the standby's copy of the active node's table is exactly as large as the active node's own.
// Pure: statuses and table in, verdict out.
import type { DaemonStatus, PeerView } from '../../../daemon/src/control/status-model.js';
import { isEstablishedFlow, type TableEntry } from './harness/conntrack-table.js';

export interface SyncVerdict {
  readonly synced: boolean;
  /** Why not, for logs. */
  readonly why: string;
}

/** Established flows of `table` that HALF replicates (neither end one of `ignored`, the node's own addresses). */
export function replicatedFlows(table: readonly TableEntry[], ignored: readonly string[]): number {
  const skip = new Set(ignored);
  return table.filter((e) => isEstablishedFlow(e) && !skip.has(e.orig.src) && !skip.has(e.orig.dst) && !skip.has(e.reply?.src ?? '')).length;
}

/** The parts of `half status --json` (DaemonStatus) the check reads. */
export interface SyncView {
  readonly node: Pick<DaemonStatus['node'], 'id' | 'role'>;
  readonly tables: Pick<DaemonStatus['tables'], 'internal'>;
  readonly peers: readonly Pick<PeerView, 'nodeId' | 'followsUs' | 'lagFrames' | 'externalEntries'>[];
}

export function standbyHoldsActive(active: SyncView, standby: SyncView, establishedOnActive: number): SyncVerdict {
  const no = (why: string): SyncVerdict => ({ synced: false, why });
  if (active.node.role !== 'sender') return no(`the active node ${active.node.id} is not the sender (${active.node.role})`);
  if (active.tables.internal < establishedOnActive) return no(`the active node replicates ${active.tables.internal} entries, fewer than its ${establishedOnActive} established flows`);
  const follower = active.peers.find((p) => p.nodeId === standby.node.id);
  if (follower === undefined || !follower.followsUs) return no(`node ${standby.node.id} does not follow node ${active.node.id}'s stream`);
  if (follower.lagFrames !== 0) return no(`node ${standby.node.id} has not acknowledged ${follower.lagFrames ?? '?'} frames`);
  const copy = standby.peers.find((p) => p.nodeId === active.node.id);
  if (copy === undefined) return no(`node ${standby.node.id} does not know node ${active.node.id}`);
  if (copy.externalEntries !== active.tables.internal) return no(`node ${standby.node.id} holds ${copy.externalEntries} of node ${active.node.id}'s ${active.tables.internal} entries`);
  return { synced: true, why: '' };
}
