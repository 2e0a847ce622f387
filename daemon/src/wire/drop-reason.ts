// Why a received frame was dropped. Every drop is counted under one of these names (visible in
// `half status`): conntrack-tools keeps a counter for every kind of bad message too.

export const DROP_REASONS = [
  /** Failed authentication: wrong key, altered bytes, or not ours at all. */
  'forged',
  /** Authentic but already seen (same frame counter), or older than the replay window. */
  'replay',
  /** Authentic but from an older boot epoch of its sender than one already seen. */
  'staleEpoch',
  /** Another cluster's frame (different cluster id). */
  'foreignCluster',
  /** A wire version this node does not speak. */
  'badVersion',
  /** Too short, no magic, or an authentic body that does not decode. */
  'malformed',
  /** From an address that is not a configured sync peer. */
  'wrongSource',
  /**
   * Authentic, yet carrying this node's own id: another node has the same [node] id. Its frames
   * and ours are sealed under the same key with counters that can meet (AES-GCM nonces repeat).
   */
  'ownNodeId',
  /**
   * From a node id no half.conf can give (0, above 65535: dropped untried, its key never derived)
   * or, authentic, beyond the MAX_PEERS nodes this one keeps: each peer costs a replay window, a
   * stream and a cache, and a node with the key must not make it keep any number of them.
   */
  'peerLimit',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounters = Record<DropReason, number>;

export function emptyDropCounters(): DropCounters {
  return { forged: 0, replay: 0, staleEpoch: 0, foreignCluster: 0, badVersion: 0, malformed: 0, wrongSource: 0, ownNodeId: 0, peerLimit: 0 };
}
