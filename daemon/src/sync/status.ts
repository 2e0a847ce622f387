// A snapshot of a node for `half status` / the control socket: role, our stream, and per peer its
// epoch, address, role, whether we follow its stream and how many of its entries we hold.
import type { Role } from '../wire/messages.js';
import type { SyncCounters } from './counters.js';
import type { SyncNode } from './sync-node.js';

export interface PeerStatus {
  readonly nodeId: number;
  readonly epoch: number;
  readonly address: string;
  readonly role: Role | undefined;
  readonly silentForMs: number;
  readonly alive: boolean;
  /** Whether we follow its stream, and the next of its sequence numbers we expect. */
  readonly joined: boolean;
  readonly expectedSeq: number;
  readonly externalEntries: number;
  /** As one of our receivers: whether it follows our stream and how far it acknowledged. */
  readonly followsUs: boolean;
  readonly ackedUpTo: number | undefined;
}

export interface SyncStatus {
  readonly nodeId: number;
  readonly bootEpoch: number;
  readonly role: Role;
  readonly lastSeq: number;
  readonly resendQueue: number;
  readonly resyncInProgress: boolean;
  readonly internalEntries: number;
  readonly peers: readonly PeerStatus[];
  readonly counters: SyncCounters;
}

export function nodeStatus(node: SyncNode): SyncStatus {
  const now = node.config.clock.now();
  const peers = [...node.peers.values()].map((peer): PeerStatus => {
    const receiver = node.outbound.receivers.get(peer.nodeId);
    return {
      nodeId: peer.nodeId,
      epoch: peer.epoch,
      address: peer.address,
      role: peer.role,
      silentForMs: now - peer.lastHeard,
      alive: now - peer.lastHeard <= node.options.peerTimeoutMs,
      joined: peer.inbound.joined,
      expectedSeq: peer.inbound.expected,
      externalEntries: node.config.external.peek(peer.nodeId)?.size ?? 0,
      followsUs: receiver?.joined ?? false,
      ackedUpTo: receiver?.ackedUpTo,
    };
  });
  return {
    nodeId: node.config.nodeId,
    bootEpoch: node.config.bootEpoch,
    role: node.role,
    lastSeq: node.outbound.lastSeq,
    resendQueue: node.outbound.queue.length,
    resyncInProgress: node.outbound.planner.job !== undefined,
    internalEntries: node.config.internal.size,
    peers: peers.sort((a, b) => a.nodeId - b.nodeId),
    counters: structuredClone(node.counters),
  };
}
