// The sender's bounded queue of data frames not yet acknowledged by every receiver, in sequence
// order (consecutive numbers, so a lookup is an offset from the oldest). When full, the oldest
// frame is pushed out and returned: the caller turns that into a targeted resync of the buckets
// the frame touched, never a silent loss. Model: conntrack-tools' FT-FW resend list
// (src/sync-ftfw.c), bounded like its resend queue.
import { seqDiff } from './serial.js';

export interface QueuedFrame {
  readonly seq: number;
  readonly body: Buffer;
  /** Buckets of the records in the frame, and whether it carries a full-resync marker. */
  readonly buckets: readonly number[];
  readonly full: boolean;
  /** Whether it was first sent in the sender role (FLAG_FIRST_SENT_AS_SENDER on a resend). */
  readonly asSender?: boolean;
}

export class ResendQueue {
  private readonly ring: (QueuedFrame | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<QueuedFrame | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  get oldest(): QueuedFrame | undefined {
    return this.count === 0 ? undefined : this.ring[this.head];
  }

  /** Appends a frame (its seq must follow the newest); returns the frame pushed out, if any. */
  push(frame: QueuedFrame): QueuedFrame | undefined {
    let evicted: QueuedFrame | undefined;
    if (this.count === this.capacity) evicted = this.shift();
    this.ring[(this.head + this.count) % this.capacity] = frame;
    this.count++;
    return evicted;
  }

  get(seq: number): QueuedFrame | undefined {
    const oldest = this.oldest;
    if (oldest === undefined) return undefined;
    const offset = seqDiff(seq, oldest.seq);
    if (offset < 0 || offset >= this.count) return undefined;
    return this.ring[(this.head + offset) % this.capacity];
  }

  /** Drops every frame up to and including `seq`; returns how many. */
  trimThrough(seq: number): number {
    let removed = 0;
    for (let oldest = this.oldest; oldest !== undefined && seqDiff(oldest.seq, seq) <= 0; oldest = this.oldest) {
      this.shift();
      removed++;
    }
    return removed;
  }

  clear(): void {
    // only the occupied slots: a sender with no receiver clears after every frame
    for (let i = 0; i < this.count; i++) this.ring[(this.head + i) % this.capacity] = undefined;
    this.head = 0;
    this.count = 0;
  }

  private shift(): QueuedFrame | undefined {
    const frame = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return frame;
  }
}
