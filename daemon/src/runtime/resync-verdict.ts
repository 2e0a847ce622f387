// Whether this node may take the virtual addresses yet, as half-syncd sees it: the value of the
// failback gate's track file (config/keepalived-conf.ts). A node is "resync pending" until it
// holds the table of whoever serves the connections, so that keepalived does not make a
// returning (preempting) node MASTER before its external cache is complete. Pure.
//
// Rules, first match wins:
//   1. this node is the sender: it serves the connections itself (its kernel is the table);
//   2. no peer heard within the peer timeout: keep the last verdict. A node that never heard
//      anyone stays pending, which costs nothing (a lone node becomes MASTER anyway, nobody else
//      advertises) and keeps a node whose sync link is cut from taking the addresses back from
//      a peer that holds every connection; a node that was in sync stays so (it holds the table
//      the vanished peer last had, which is what a takeover needs);
//   3. every live peer is accounted for: a receiver has no table to give us (a fresh cluster:
//      nobody is sender yet, so the primary is not held back), a sender must have completed a
//      full resync of its stream to us since we joined it (a peer that restarted, or a resync we
//      asked for again, starts that over); a peer whose role we have not heard yet is unknown.
import type { Role } from '../wire/messages.js';

export interface PeerView {
  readonly nodeId: number;
  /** Heard within the peer timeout. */
  readonly alive: boolean;
  /** From its latest HELLO/ALIVE; undefined until one arrived. */
  readonly role: Role | undefined;
  /** We follow its stream and a full resync of it has ended since we joined. */
  readonly resynced: boolean;
}

export interface NodeView {
  readonly role: Role;
  readonly peers: readonly PeerView[];
}

export interface ResyncVerdict {
  /** true: keepalived must keep this node's priority down (the track file holds 1). */
  readonly pending: boolean;
  /** Why, for the log. */
  readonly reason: string;
  /** Live peers we still wait for (sender not yet resynced, or role unknown). */
  readonly waitingFor: readonly number[];
}

export function resyncVerdict(view: NodeView, previousPending: boolean): ResyncVerdict {
  if (view.role === 'sender') return { pending: false, reason: 'this node is the sender', waitingFor: [] };
  const live = view.peers.filter((peer) => peer.alive);
  if (live.length === 0) {
    return { pending: previousPending, reason: previousPending ? 'no peer heard yet' : 'no peer heard: keeping the last resync', waitingFor: [] };
  }
  const waitingFor = live.filter((peer) => peer.role === undefined || (peer.role === 'sender' && !peer.resynced)).map((peer) => peer.nodeId);
  if (waitingFor.length > 0) return { pending: true, reason: `waiting for a full resync from node ${waitingFor.join(', ')}`, waitingFor };
  const senders = live.filter((peer) => peer.role === 'sender').map((peer) => peer.nodeId);
  return { pending: false, reason: senders.length === 0 ? 'no peer is sender: nothing to resync' : `resynced from node ${senders.join(', ')}`, waitingFor: [] };
}

/** What resyncVerdict needs of a SyncNode (structural: the real node, or a test's). */
export interface SyncNodeLike {
  readonly role: Role;
  readonly options: { readonly peerTimeoutMs: number };
  readonly peers: {
    values(): Iterable<{ readonly nodeId: number; readonly lastHeard: number; readonly role: Role | undefined; readonly inbound: { readonly resynced: boolean } }>;
  };
}

/** The view of a sync node at `now` (its clock's milliseconds). */
export function nodeView(node: SyncNodeLike, now: number): NodeView {
  const peers = [...node.peers.values()].map((peer): PeerView => ({
    nodeId: peer.nodeId,
    alive: now - peer.lastHeard <= node.options.peerTimeoutMs,
    role: peer.role,
    resynced: peer.inbound.resynced,
  }));
  return { role: node.role, peers };
}
