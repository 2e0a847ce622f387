// Batching of stream entries into one datagram: entries accumulate in a body until it is full or
// `flushDelayMs` passed since the first one (then `onDue` runs), so a burst of changes shares
// frames while a lone change still leaves at once. Also remembers which hash buckets the frame's
// entries touch, so a frame lost to a resend-queue overflow can be repaired by a targeted resync.
import type { BucketScope } from '../cache/bucket-scope.js';
import type { RecordPacking } from '../model/record-packing.js';
import { DataBodyBuilder } from '../wire/data-body.js';
import type { StreamEntry } from '../wire/messages.js';
import type { Clock, TimerHandle } from './clock.js';

export interface BatchedFrame {
  readonly body: Buffer;
  /**
   * Buckets of the records in the frame, as added (repeats included: a frame is only ever looked
   * at again when a resend-queue overflow turns it into a resync, whose planner keeps a set), and
   * whether it marks a full resync.
   */
  readonly buckets: readonly number[];
  readonly full: boolean;
}

export type AddResult = 'added' | 'frameFull' | 'tooLarge';

export class FrameBatcher {
  private readonly builder: DataBodyBuilder;
  private buckets: number[] = [];
  private full = false;
  private timer: TimerHandle | undefined;

  constructor(
    maxBodyBytes: number,
    private readonly clock: Clock,
    private readonly flushDelayMs: number,
    private readonly onDue: () => void,
    packing?: RecordPacking,
  ) {
    this.builder = new DataBodyBuilder(maxBodyBytes, packing);
  }

  get empty(): boolean {
    return this.builder.count === 0;
  }

  /** 'frameFull': take() the frame and add again; 'tooLarge': the entry never fits a datagram. */
  add(entry: StreamEntry, touches?: number | BucketScope): AddResult {
    if (!this.builder.tryAdd(entry)) return this.empty ? 'tooLarge' : 'frameFull';
    if (typeof touches === 'number') this.buckets.push(touches);
    else if (touches?.full) this.full = true;
    else if (touches !== undefined) this.buckets.push(...touches.buckets);
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      this.onDue();
    }, this.flushDelayMs);
    return 'added';
  }

  /** The frame built so far (undefined when empty); the batcher starts a new one. */
  take(): BatchedFrame | undefined {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.empty) return undefined;
    const frame = { body: this.builder.take(), buckets: this.buckets, full: this.full };
    this.buckets = [];
    this.full = false;
    return frame;
  }
}
