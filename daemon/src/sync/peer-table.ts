// Admission of authentic frames per sender: boot epochs only move forward (an older epoch is
// stale; a newer one means the peer restarted, and everything we knew of its stream starts over),
// and within an epoch every frame counter is accepted once (replay window). A node keeps at most
// MAX_PEERS peers, of node ids half.conf can give.
import type { FrameHeader } from '../wire/frame-header.js';
import { MAX_NODE_ID, MIN_NODE_ID } from '../wire/keys.js';
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
  /**
   * The frame counter of the ALIVE or HELLO that set `role` (-1: none yet, in this epoch): one
   * older than that, delivered late, says nothing of the peer's role now.
   */
  roleCounter: number;
  /**
   * Since when (clock time) it has been heard as the sender while this node was the sender too (a
   * split brain, or the overlap of a takeover): once it stops, what its copy took in since may be
   * connections it served that this node's kernel lacks (SyncNode.overlappedCopies). Undefined:
   * not so. Kept across the peer's restart.
   */
  alongsideSince: number | undefined;
  /**
   * When this node last emptied its copy (SyncNode.forgetFrozenCopies: a takeover's commit had
   * written it): what the copy took in since is in no commit of ours.
   */
  copyEmptiedAt: number | undefined;
  /**
   * Whether it is known from its late frames, resent after it stepped down
   * (SyncNode.lateFrameAsSender), or frames it sent as the sender after a silence: its copy may be
   * taking in its whole table (a handover, a full resync), merged once that has come whole
   * (SyncNode.overlapComplete).
   */
  alongsideLate: boolean;
  /**
   * When a data frame it sent as the sender after its latest ALIVE or HELLO (a higher frame
   * counter) first came, while that word said it was not the sender: its HELLO saying it sends
   * was lost or overtaken, and its full resync as the sender comes before the next ALIVE does.
   * Cleared by its next role word. A sender that learns so late that the peer sends alongside it
   * counts the overlap from here (alongsideSince): a review lost the connections such a peer's
   * first frames carried.
   */
  sentAsSenderAt: number | undefined;
  /**
   * When an ALIVE or HELLO first said it is the sender since one said it was not (or since it
   * restarted), and that frame's header sequence number (its stream's last data frame then);
   * undefined: not the sender now. A node announces it before its resync as the new sender.
   */
  senderSince: { readonly at: number; readonly seq: number } | undefined;
  /**
   * The header sequence number of the latest ALIVE or HELLO that said it is not the sender, in
   * this epoch; undefined: none yet. A full resync whose first frame it sent as the sender after
   * that began in its time as the sender, however many of its HELLOs and ALIVEs were lost.
   */
  lastReceiverSeq: number | undefined;
  /**
   * Its lastReceiverSeq when this node last became the sender (undefined: none then, or this
   * node started as the sender). A resend it first sent as the sender with a later number was
   * sent alongside this node (SyncNode.lateFrameAsSender).
   */
  receiverSeqWhenWeSent: number | undefined;
  /**
   * Whether it was the last sender before this node last became the sender: its frames resent
   * since, whenever first sent, are ones our takeover's commit lacked (SyncNode.lateFrameAsSender).
   */
  precededUs: boolean;
  /**
   * When it was last heard as the sender (such an ALIVE or HELLO, or a data frame while it said
   * so: a receiver sends data frames too, answering a join); -Infinity: never. A receiver's copy
   * of a peer that had stopped sending before another became the sender is superseded by the
   * other's full resync (SyncNode.forgetSupersededCopies). Kept across the peer's restart.
   */
  senderUntil: number;
}

export type Admission =
  | { readonly ok: true; readonly peer: Peer; readonly fresh: boolean; readonly restarted: boolean; readonly rejoined: boolean }
  | { readonly ok: false; readonly reason: 'staleEpoch' | 'replay' | 'peerLimit' };

/** Peers a node keeps at most (a HALF cluster has a few nodes); see the peerLimit drop reason. */
export const MAX_PEERS = 64;

/**
 * A silence after which a peer's stream is joined again rather than continued: far shorter than
 * any partition during which 2^31 frames could go by (at the fastest rate a daemon sends, some
 * 20k frames/s, that takes 30 hours; at a 10 Gbit/s link's line rate, 45 minutes).
 */
export const REJOIN_AFTER_SILENCE_MS = 10 * 60_000;

export class PeerTable {
  private readonly peers = new Map<number, Peer>();

  constructor(
    private readonly windowSize: number,
    private readonly makeInbound: (nodeId: number, epoch: number) => InboundStream,
    private readonly maxPeers: number = MAX_PEERS,
  ) {}

  admit(header: FrameHeader, from: string, now: number): Admission {
    let peer = this.peers.get(header.nodeId);
    let fresh = false;
    let restarted = false;
    if (peer !== undefined && header.bootEpoch < peer.epoch) return { ok: false, reason: 'staleEpoch' };
    if (peer === undefined && (header.nodeId < MIN_NODE_ID || header.nodeId > MAX_NODE_ID || this.peers.size >= this.maxPeers)) return { ok: false, reason: 'peerLimit' };
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
        roleCounter: -1,
        alongsideSince: peer?.alongsideSince,
        copyEmptiedAt: peer?.copyEmptiedAt,
        alongsideLate: peer?.alongsideLate ?? false,
        sentAsSenderAt: undefined,
        senderSince: undefined,
        lastReceiverSeq: undefined,
        receiverSeqWhenWeSent: undefined,
        precededUs: peer?.precededUs ?? false,
        senderUntil: peer?.senderUntil ?? Number.NEGATIVE_INFINITY,
      };
      this.peers.set(header.nodeId, peer);
    }
    if (!peer.window.accept(header.counter)) return { ok: false, reason: 'replay' };
    // Sequence numbers are compared in serial arithmetic (RFC 1982), which cannot tell how far
    // apart two numbers are once 2^31 frames went by: after a silence long enough for that, our
    // place in the peer's stream means nothing, and we join it again (a full resync).
    const rejoined = !fresh && now - peer.lastHeard > REJOIN_AFTER_SILENCE_MS;
    if (rejoined) peer.inbound.rejoin();
    peer.address = from;
    peer.lastHeard = now;
    return { ok: true, peer, fresh, restarted, rejoined };
  }

  get(nodeId: number): Peer | undefined {
    return this.peers.get(nodeId);
  }

  values(): IterableIterator<Peer> {
    return this.peers.values();
  }
}
