// A sender's view of its receivers: which boot epoch each is in, whether it follows our stream
// (joined), how far it acknowledged, and when we last heard from it. Receivers silent for longer
// than the peer timeout stop holding back the resend queue; what was released meanwhile that
// such a receiver had not acknowledged is noted (`lapsedThrough`), since no resync covers it: it
// gets a full resync when it asks for those frames. Each receiver is tracked separately, so any
// number of standbys work.
import { seqAdd, seqAfter, seqBefore } from './serial.js';

export interface ReceiverAck {
  readonly nodeId: number;
  readonly epoch: number;
  joined: boolean;
  /** Highest sequence number acknowledged (everything up to it was received). */
  ackedUpTo: number;
  lastHeard: number;
  /** Newest frame released, while this receiver was silent, that it had not acknowledged. */
  lapsedThrough?: number | undefined;
}

export class ReceiverAcks {
  private readonly receivers = new Map<number, ReceiverAck>();

  constructor(private readonly peerTimeoutMs: number) {}

  /** Notes a frame from a receiver; a new epoch (or a new node) starts it over, not joined. */
  heard(nodeId: number, epoch: number, now: number, lastSeq: number): ReceiverAck {
    let receiver = this.receivers.get(nodeId);
    if (receiver === undefined || receiver.epoch !== epoch) {
      receiver = { nodeId, epoch, joined: false, ackedUpTo: lastSeq, lastHeard: now };
      this.receivers.set(nodeId, receiver);
    }
    receiver.lastHeard = now;
    return receiver;
  }

  get(nodeId: number): ReceiverAck | undefined {
    return this.receivers.get(nodeId);
  }

  /** The receiver follows our stream from `start` on. */
  join(receiver: ReceiverAck, start: number): void {
    receiver.joined = true;
    receiver.ackedUpTo = seqAdd(start, -1);
    receiver.lapsedThrough = undefined;
  }

  /** Frames up to `through` are released: notes it for joined receivers silent now that lack some. */
  released(through: number, now: number): void {
    for (const receiver of this.receivers.values()) {
      if (!receiver.joined || this.isLive(receiver, now) || !seqBefore(receiver.ackedUpTo, through)) continue;
      if (receiver.lapsedThrough === undefined || seqAfter(through, receiver.lapsedThrough)) receiver.lapsedThrough = through;
    }
  }

  values(): IterableIterator<ReceiverAck> {
    return this.receivers.values();
  }

  isLive(receiver: ReceiverAck, now: number): boolean {
    return now - receiver.lastHeard <= this.peerTimeoutMs;
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

  anyLiveJoined(now: number): boolean {
    return this.minAcked(now) !== undefined;
  }
}
