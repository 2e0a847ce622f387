// Replication lag, measured at the edge of the sync node without touching the protocol: a
// Channel wrapper notes when each new data frame leaves (the clear-text header carries its
// sequence number: a data frame's own number is newer than any sent before, every other frame
// repeats the last one), and after every received frame it looks at how far each receiver has
// acknowledged (OutboundStream.receivers). Lag = acknowledgement time - send time, per frame
// and receiver, into a LatencyHistogram (`half status`, the metrics endpoint).
import type { Channel, ChannelErrorHandler, FrameHandler } from '../channel/channel.js';
import { LAG_BOUNDS_MS, LatencyHistogram } from '../metrics/latency-histogram.js';
import type { Clock } from '../sync/clock.js';
import { seqAdd, seqAfter, seqDiff } from '../sync/serial.js';
import { HEADER_BYTES } from '../wire/frame-header.js';

const SEQ_OFFSET = 16;
/** Send times kept (frames older than this many are never measured). */
const WINDOW = 1 << 16;
/** At most this many frames are measured per acknowledgement step (a join acknowledges a lot). */
const MAX_STEP = 4096;

/** A receiver as the sync node's outbound stream sees it. */
export interface AckView {
  readonly nodeId: number;
  readonly epoch: number;
  readonly joined: boolean;
  readonly ackedUpTo: number;
}

interface Seen {
  epoch: number;
  joined: boolean;
  acked: number;
}

export class LagTracker implements Channel {
  readonly histogram = new LatencyHistogram(LAG_BOUNDS_MS);
  private readonly sentAt = new Map<number, number>();
  private highest: number | undefined;
  private readonly seen = new Map<number, Seen>();
  private receivers: () => Iterable<AckView> = () => [];

  constructor(
    private readonly inner: Channel,
    private readonly clock: Clock,
  ) {}

  /** Where acknowledgements are read (the sync node's outbound receivers), once it exists. */
  watch(receivers: () => Iterable<AckView>): void {
    this.receivers = receivers;
  }

  send(frame: Uint8Array, peer?: string): void {
    this.noteSent(frame);
    this.inner.send(frame, peer);
  }

  sendOnEveryLink(makeFrame: (flags: number) => Uint8Array): void {
    this.inner.sendOnEveryLink((flags) => {
      const frame = makeFrame(flags);
      this.noteSent(frame);
      return frame;
    });
  }

  onMessage(handler: FrameHandler): void {
    this.inner.onMessage((frame, from, link) => {
      const result = handler(frame, from, link);
      this.checkAcks();
      return result;
    });
  }

  onError(handler: ChannelErrorHandler): void {
    this.inner.onError(handler);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private noteSent(frame: Uint8Array): void {
    if (frame.byteLength < HEADER_BYTES) return;
    const seq = (((frame[SEQ_OFFSET] as number) << 24) | ((frame[SEQ_OFFSET + 1] as number) << 16) | ((frame[SEQ_OFFSET + 2] as number) << 8) | (frame[SEQ_OFFSET + 3] as number)) >>> 0;
    if (this.highest === undefined) {
      this.highest = seq;
      return;
    }
    if (!seqAfter(seq, this.highest)) return;
    this.highest = seq;
    this.sentAt.set(seq, this.clock.now());
    if (this.sentAt.size > WINDOW) {
      const oldest = this.sentAt.keys().next().value;
      if (oldest !== undefined) this.sentAt.delete(oldest);
    }
  }

  private checkAcks(): void {
    const now = this.clock.now();
    for (const r of this.receivers()) {
      const seen = this.seen.get(r.nodeId);
      if (seen === undefined || seen.epoch !== r.epoch || !seen.joined || !r.joined) {
        this.seen.set(r.nodeId, { epoch: r.epoch, joined: r.joined, acked: r.ackedUpTo });
        continue;
      }
      const step = seqDiff(r.ackedUpTo, seen.acked);
      if (step <= 0) continue;
      const from = step > MAX_STEP ? seqAdd(r.ackedUpTo, -MAX_STEP + 1) : seqAdd(seen.acked, 1);
      for (let seq = from; ; seq = seqAdd(seq, 1)) {
        const sent = this.sentAt.get(seq);
        if (sent !== undefined) this.histogram.observe(now - sent, now);
        if (seq === r.ackedUpTo) break;
      }
      seen.acked = r.ackedUpTo;
    }
  }
}
