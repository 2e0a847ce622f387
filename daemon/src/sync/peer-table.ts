// Admission of authentic frames per sender: boot epochs only move forward (an older epoch is
// stale; a newer one means the peer restarted, and everything we knew of its stream starts over),
// and within an epoch every frame counter is accepted once (replay window).
import type { FrameHeader } from '../wire/frame-header.js';
import type { Role } from '../wire/messages.js';
import type { InboundStream } from './inbound-stream.js';
import { ReplayWindow } from './replay-window.js';

export interface Peer {
  readonly nodeId: number;
  readonly epoch: number;
  readonly window: ReplayWindow;
  readonly inbound: InboundStream;
  /** Source address of its latest authentic frame (where targeted messages go). */
  address: string;
  lastHeard: number;
  role: Role | undefined;
}

export type Admission =
  | { readonly ok: true; readonly peer: Peer; readonly fresh: boolean; readonly restarted: boolean }
  | { readonly ok: false; readonly reason: 'staleEpoch' | 'replay' };

export class PeerTable {
  private readonly peers = new Map<number, Peer>();

  constructor(
    private readonly windowSize: number,
    private readonly makeInbound: (nodeId: number, epoch: number) => InboundStream,
  ) {}

  admit(header: FrameHeader, from: string, now: number): Admission {
    let peer = this.peers.get(header.nodeId);
    let fresh = false;
    let restarted = false;
    if (peer !== undefined && header.bootEpoch < peer.epoch) return { ok: false, reason: 'staleEpoch' };
    if (peer === undefined || header.bootEpoch > peer.epoch) {
      restarted = peer !== undefined;
      fresh = true;
      peer = {
        nodeId: header.nodeId,
        epoch: header.bootEpoch,
        window: new ReplayWindow(this.windowSize),
        inbound: this.makeInbound(header.nodeId, header.bootEpoch),
        address: from,
        lastHeard: now,
        role: undefined,
      };
      this.peers.set(header.nodeId, peer);
    }
    if (!peer.window.accept(header.counter)) return { ok: false, reason: 'replay' };
    peer.address = from;
    peer.lastHeard = now;
    return { ok: true, peer, fresh, restarted };
  }

  get(nodeId: number): Peer | undefined {
    return this.peers.get(nodeId);
  }

  values(): IterableIterator<Peer> {
    return this.peers.values();
  }
}
