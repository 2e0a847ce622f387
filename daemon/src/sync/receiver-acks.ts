// A sender's view of its receivers: which boot epoch each is in, whether it follows our stream
// (joined), how far it acknowledged, and when we last heard from it. Receivers silent for longer
// than the peer timeout stop holding back the resend queue, and so do receivers that are heard
// but have answered nothing (no ACK, no NACK) for that long while they lacked frames: a link
// that fails one way (they hear nothing of ours). Held back by them, the queue stayed full, the
// repair jobs could not go on, and no digest went out to the other receivers. What was released
// meanwhile that such a receiver had not acknowledged is noted (`lapsedThrough`), since no resync
// covers it: it gets a full resync when it asks for those frames. Each receiver is tracked
// separately, so any number of standbys work.
import type { Role } from '../wire/messages.js';
import { seqAdd, seqAfter, seqBefore } from './serial.js';

export interface ReceiverAck {
  readonly nodeId: number;
  readonly epoch: number;
  joined: boolean;
  /** Highest sequence number acknowledged (everything up to it was received). */
  ackedUpTo: number;
  lastHeard: number;
  /** When it last acknowledged or NACKed our stream, or joined it. */
  lastAnswered: number;
  /** Since when it has lacked a frame we sent; undefined: it acknowledged everything sent. */
  behindSince?: number | undefined;
  /** Newest frame released, while this receiver was silent, that it had not acknowledged. */
  lapsedThrough?: number | undefined;
  /**
   * Newest frame released, while this receiver had not been heard for a quarter of the peer
   * timeout (QUIET: a cut sync link, shorter than the timeout), that it had not acknowledged.
   * A live receiver gets a SKIP and a repair for such frames; but one heard as the sender
   * afterwards, when we have stepped down, sent alongside us behind that cut, and only a
   * handover brings it what we served in them (answerNack).
   */
  quietThrough?: number | undefined;
  /**
   * The role its latest frame was sent in (the header's role bits, else its latest role word):
   * only a node heard as the sender can be one that sent alongside us (a handover's taker,
   * OutboundStream.becomeReceiver).
   */
  heardAs?: Role | undefined;
}

export class ReceiverAcks {
  private readonly receivers = new Map<number, ReceiverAck>();

  constructor(private readonly peerTimeoutMs: number) {}

  /** Notes a frame from a receiver, sent as `role`; a new epoch (or a new node) starts it over, not joined. */
  heard(nodeId: number, epoch: number, now: number, lastSeq: number, role?: Role): ReceiverAck {
    let receiver = this.receivers.get(nodeId);
    if (receiver === undefined || receiver.epoch !== epoch) {
      receiver = { nodeId, epoch, joined: false, ackedUpTo: lastSeq, lastHeard: now, lastAnswered: now };
      this.receivers.set(nodeId, receiver);
    }
    receiver.lastHeard = now;
    receiver.heardAs = role;
    return receiver;
  }

  get(nodeId: number): ReceiverAck | undefined {
    return this.receivers.get(nodeId);
  }

  /** The receiver follows our stream from `start` on. */
  join(receiver: ReceiverAck, start: number, now: number): void {
    receiver.joined = true;
    receiver.ackedUpTo = seqAdd(start, -1);
    receiver.lapsedThrough = undefined;
    receiver.quietThrough = undefined;
    receiver.lastAnswered = now;
  }

  /** A new data frame went out: every joined receiver lacks it, from now if it lacked none. */
  sent(now: number): void {
    for (const receiver of this.receivers.values()) if (receiver.joined) receiver.behindSince ??= now;
  }

  /** The receiver acknowledged up to `upTo` (or NACKed: `upTo` undefined) of a stream whose last frame is `lastSeq`. */
  answered(receiver: ReceiverAck, now: number, lastSeq: number, upTo?: number): void {
    receiver.lastAnswered = now;
    if (upTo !== undefined && !seqBefore(upTo, lastSeq)) receiver.behindSince = undefined;
  }

  /** Frames up to `through` are released: notes it for joined receivers silent now that lack some. */
  released(through: number, now: number): void {
    for (const receiver of this.receivers.values()) {
      if (!receiver.joined || !seqBefore(receiver.ackedUpTo, through)) continue;
      if (now - receiver.lastHeard > this.peerTimeoutMs / 4 && (receiver.quietThrough === undefined || seqAfter(through, receiver.quietThrough))) receiver.quietThrough = through;
      if (this.isLive(receiver, now)) continue;
      if (receiver.lapsedThrough === undefined || seqAfter(through, receiver.lapsedThrough)) receiver.lapsedThrough = through;
    }
  }

  values(): IterableIterator<ReceiverAck> {
    return this.receivers.values();
  }

  isLive(receiver: ReceiverAck, now: number): boolean {
    if (now - receiver.lastHeard > this.peerTimeoutMs) return false;
    // heard, but deaf to us: it lacks frames and has answered nothing for a peer timeout
    const { behindSince } = receiver;
    return behindSince === undefined || now - behindSince <= this.peerTimeoutMs || now - receiver.lastAnswered <= this.peerTimeoutMs;
  }

  /** Lowest acknowledgement among live joined receivers; undefined when there are none. */
  minAcked(now: number): number | undefined {
    let min: number | undefined;
    for (const receiver of this.receivers.values()) {
      if (!receiver.joined || !this.isLive(receiver, now)) continue;
      if (min === undefined || seqBefore(receiver.ackedUpTo, min)) min = receiver.ackedUpTo;
    }
    return min;
  }

  /** Whether some live joined receiver has not acknowledged `seq`. */
  unacked(seq: number, now: number): boolean {
    const min = this.minAcked(now);
    return min !== undefined && seqBefore(min, seq);
  }

  /** The receivers that follow our stream now, each with its boot epoch. */
  followers(): ReadonlyMap<number, number> {
    const followers = new Map<number, number>();
    for (const receiver of this.receivers.values()) if (receiver.joined) followers.set(receiver.nodeId, receiver.epoch);
    return followers;
  }

  /** Every receiver heard, with its boot epoch. */
  known(): ReadonlyMap<number, number> {
    return new Map([...this.receivers.values()].map((receiver) => [receiver.nodeId, receiver.epoch]));
  }

  /**
   * Whether some receiver heard may lack a frame up to `seq` (lacks), silent or not: a peer cut
   * off (a split brain's other sender) cannot be told from one gone for good.
   */
  lacking(seq: number): boolean {
    for (const receiver of this.receivers.values()) if (lacks(receiver, seq)) return true;
    return false;
  }

  /**
   * Whether some receiver that may lack a frame up to `seq` (lacks) may also have sent
   * alongside us as the sender: it has not been heard as a receiver since `since` (our step-down).
   * One heard so since is a plain receiver, slow to acknowledge or back from a silence: it was
   * not the sender when we stopped being one. A receiver gone for good is never heard again.
   * Only receivers `known` at our step-down, in the same boot epoch: one started since (a new
   * sender whose daemon restarted) cannot have sent alongside us.
   */
  lackingMaybeAlongside(seq: number, since: number, known: ReadonlyMap<number, number>): boolean {
    for (const receiver of this.receivers.values()) {
      if (known.get(receiver.nodeId) !== receiver.epoch) continue;
      if (lacks(receiver, seq) && (receiver.heardAs !== 'receiver' || receiver.lastHeard <= since)) return true;
    }
    return false;
  }

  /**
   * Whether some joined receiver heard as the sender, while we still are the sender, lacks a
   * frame up to `seq`: it sent alongside us (a split brain, over a cut link or not), and the
   * handover starts at our step-down rather than when it is heard again as the sender
   * (OutboundStream.endDrain). A normal failover's
   * new sender is heard so only after our step-down, but for a race of milliseconds, when the
   * table handed over is that fresh. Only one heard within the peer timeout: a former sender that
   * died as such (we took over from it) is heard as the sender for ever after, and lacks every
   * frame since (a review saw its handover go to the normal failover's new sender). A live
   * sender behind a cut link asks for the frames once back, and gets the handover then
   * (owesHandover: it lapsed).
   */
  senderAlongsideLacking(seq: number, now: number): boolean {
    for (const receiver of this.receivers.values()) {
      if (!receiver.joined || receiver.heardAs !== 'sender' || now - receiver.lastHeard > this.peerTimeoutMs) continue;
      if (receiver.lapsedThrough !== undefined || seqBefore(receiver.ackedUpTo, seq)) return true;
    }
    return false;
  }

  anyLiveJoined(now: number): boolean {
    return this.minAcked(now) !== undefined;
  }
}

/**
 * Whether `receiver` may lack a frame up to `seq`: it has not acknowledged it, or it was released
 * while the receiver was silent; or the receiver has not joined our stream (in this epoch of it),
 * so lacks all of it (a review fuzz under lasting loss: the winner of a split brain, whose JOIN to
 * the loser's stream was lost before the cut, lost all the loser served, no table kept for it).
 */
export function lacks(receiver: ReceiverAck, seq: number): boolean {
  return !receiver.joined || receiver.lapsedThrough !== undefined || seqBefore(receiver.ackedUpTo, seq);
}
