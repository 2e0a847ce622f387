// The sync protocol's only view of the network: datagrams out (to every peer, or one), datagrams
// in with the address they came from. Implementations: UDP unicast to a list of peers, UDP
// multicast on the sync interface, a redundant pair of links, and the SimulatedNetwork used by
// the protocol tests. Model: conntrack-tools' struct channel_ops (src/channel.c).

/**
 * Receives one datagram, with the index of the link it came in on (0 for a single link).
 * Returns true when the frame was authentic (the redundant pair uses that to judge a link
 * alive), false or nothing otherwise. Must not throw.
 */
export type FrameHandler = (frame: Uint8Array, from: string, link?: number) => boolean | void;

export type ChannelErrorHandler = (error: Error) => void;

export interface Channel {
  /** Sends to one peer address (as reported by `onMessage`), or to every peer when omitted. */
  send(frame: Uint8Array, peer?: string): void;
  /**
   * Sends a separately made frame on every link (heartbeats: each link's liveness is seen by the
   * peers), made with the header flags that link adds (FLAG_DEAF, or 0). Single-link channels
   * call `makeFrame(0)` once.
   */
  sendOnEveryLink(makeFrame: (flags: number) => Uint8Array): void;
  onMessage(handler: FrameHandler): void;
  /** Send and socket errors (the protocol counts them; the redundant pair fails over on them). */
  onError(handler: ChannelErrorHandler): void;
  close(): Promise<void>;
}
