// The receiving half for one peer (one origin, one boot epoch): joining its stream, applying data
// frames strictly in sequence order (out-of-order ones wait in a bounded buffer), acknowledging,
// NACKing gaps (gap-tracker.ts), following skips, and asking for repairs that resyncs and
// anti-entropy digests call for (stream-applier.ts).
// Model: conntrack-tools' src/sync-ftfw.c receive path and its external cache handling.
import type { FlowCache } from '../cache/flow-cache.js';
import type { Message, Role, StreamEntry } from '../wire/messages.js';
import type { Clock } from './clock.js';
import type { SyncCounters } from './counters.js';
import { GapTracker } from './gap-tracker.js';
import type { SyncOptions } from './options.js';
import { seqAdd, seqAfter, seqAfterOrEqual, seqBefore, seqDiff } from './serial.js';
import type { ExternalChangeHandler, Resynced, Withholds, Written } from './stream-applier.js';
import { StreamApplier } from './stream-applier.js';

export type { ExternalChangeHandler, Withholds } from './stream-applier.js';

export interface InboundDeps {
  readonly clock: Clock;
  readonly options: SyncOptions;
  readonly counters: SyncCounters;
  /** The external cache of this origin. */
  readonly cache: FlowCache;
  readonly origin: number;
  readonly originEpoch: number;
  readonly onChange: ExternalChangeHandler | undefined;
  /** Which changes are kept from onChange (StreamApplier's `withholds`). */
  readonly withholds?: Withholds;
  /** Told of each change handed to onChange (StreamApplier's `written`). */
  readonly written?: Written;
  /** Told that a full resync of the origin ended (StreamApplier's `resynced`). */
  readonly resynced?: Resynced;
  /** Sends a control message to the origin. */
  readonly send: (message: Message) => void;
}

interface BufferedFrame {
  readonly entries: readonly StreamEntry[];
  readonly sentAs: Role | undefined;
}

/** Times a repair request is sent again before it is left to anti-entropy. */
export const REPAIR_REPEATS = 10;

export class InboundStream {
  joined = false;
  /** Next sequence number to apply (meaningful once joined). */
  expected = 0;
  private readonly buffer = new Map<number, BufferedFrame>();
  private readonly gaps: GapTracker;
  private readonly applier: StreamApplier;
  private lastJoinRequestAt = Number.NEGATIVE_INFINITY;
  private lastRepairRequestAt = Number.NEGATIVE_INFINITY;
  private repairRepeats = 0;
  private appliedSinceAck = 0;
  private firstUnackedAt = 0;
  private lastAckSent: number | undefined;
  private ackWanted = false;

  constructor(private readonly deps: InboundDeps) {
    this.gaps = new GapTracker(deps.options.nackRetryMs, deps.options.reorderWindowFrames);
    this.applier = new StreamApplier(deps.cache, deps.origin, deps.counters, deps.onChange, deps.withholds, deps.written, deps.resynced);
  }

  /** Whether we follow the origin's stream and a full resync of it has ended since we joined. */
  get resynced(): boolean {
    return this.joined && this.applier.resynced;
  }

  /** The frame the latest full resync of the origin that has ended since we joined began in (StreamApplier). */
  get fullResyncBegunSeq(): number | undefined {
    return this.joined ? this.applier.fullResyncBegunSeq : undefined;
  }

  /** The role the origin sent the first frame of that resync in (StreamApplier.fullResyncSentAs). */
  get fullResyncSentAs(): Role | undefined {
    return this.joined ? this.applier.fullResyncSentAs : undefined;
  }

  /** Whether a full resync of the origin is under way (its begin applied, its end not yet). */
  get fullResyncOpen(): boolean {
    return this.joined && this.applier.fullResyncOpen;
  }

  /** Whether frames that came are held until a gap before them is filled (or skipped). */
  get holdsFrames(): boolean {
    return this.joined && this.buffer.size > 0;
  }

  /** The origin said, in the frame `seq`, that it became the sender (StreamApplier.becameSender). */
  becameSender(seq: number): void {
    this.applier.becameSender(seq);
  }

  /** True when a data frame with this sequence number was already applied. */
  isDuplicate(seq: number): boolean {
    return this.joined && seqBefore(seq, this.expected);
  }

  /**
   * A data frame; `counter` is its header's frame counter (it tells a first transmission from a
   * resend), `sentAs` the role its header says the origin sent it in.
   */
  onData(seq: number, entries: readonly StreamEntry[], ackRequested = false, counter?: number, sentAs?: Role): void {
    const { counters, options } = this.deps;
    if (!this.joined) return;
    const distance = seqDiff(seq, this.expected);
    if (distance < 0 || this.buffer.has(seq)) {
      counters.duplicateFrames++;
      this.ackWanted = true;
      return;
    }
    if (ackRequested) this.ackWanted = true;
    const now = this.deps.clock.now();
    this.gaps.arrived(seq, now, counter);
    this.gaps.note(seq, now, counter);
    if (distance === 0) {
      this.apply({ entries, sentAs });
      this.drain();
      if (this.ackWanted) this.sendAck();
    } else if (distance > options.reorderWindowFrames) {
      counters.outOfWindowFrames++;
    } else {
      this.buffer.set(seq, { entries, sentAs });
    }
    this.maybeNack(now);
  }

  /**
   * The origin's last data sequence number, from the header of any of its control frames; with
   * an acknowledgement request (a probe), answered by an ACK when nothing is missing.
   */
  onLastSeq(lastSeq: number, ackRequested = false, counter?: number, newest = false): void {
    if (!this.joined) return;
    // the origin's newest word (no frame it sent later has come) puts the end of its stream
    // before where we expect it to go on: no honest stream does, our place in it is wrong, and
    // every frame after would count as a duplicate. Rejoined: a full resync sets it right.
    if (newest && seqAfter(this.expected, seqAdd(lastSeq, 1))) {
      this.deps.counters.rejoinsAhead++;
      this.rejoin();
      return;
    }
    if (seqAfterOrEqual(lastSeq, this.expected)) {
      const now = this.deps.clock.now();
      this.gaps.note(lastSeq, now, counter);
      this.maybeNack(now);
    } else if (ackRequested) {
      this.sendAck();
    } else if (this.lastAckSent !== seqAdd(this.expected, -1)) {
      this.ackWanted = true;
    }
  }

  /**
   * A JOIN answers one of our full sync requests. Requests are repeated every joinRetryMs until
   * one is answered, so over a slow link several JOINs may come, each at the start of another
   * full resync: a later one (ahead of where we are) is followed too, since the origin counts
   * us from its start on (see answerSyncRequest); one we are already past is old news.
   */
  onJoin(start: number): void {
    if (this.joined && !seqAfter(start, this.expected)) return;
    this.joined = true;
    this.expected = start;
    this.gaps.reset();
    this.buffer.clear();
    this.applier.reset();
    this.deps.counters.joins++;
    this.ackWanted = true;
  }

  onSkip(to: number): void {
    if (!this.joined || !seqAfter(to, this.expected)) return;
    this.deps.counters.skipsReceived++;
    for (const seq of this.buffer.keys()) if (seqBefore(seq, to)) this.buffer.delete(seq);
    this.gaps.skipped(to);
    this.expected = to;
    this.applier.skipped();
    this.drain();
    this.ackWanted = true;
  }

  /** Forgets our place in the stream and asks the origin for a full resync. */
  rejoin(): void {
    this.joined = false;
    this.buffer.clear();
    this.lastJoinRequestAt = Number.NEGATIVE_INFINITY;
  }

  tick(now: number): void {
    const { options, counters, send } = this.deps;
    const target = { target: this.deps.origin, targetEpoch: this.deps.originEpoch };
    if (!this.joined) {
      if (now - this.lastJoinRequestAt >= options.joinRetryMs) {
        this.lastJoinRequestAt = now;
        send({ type: 'syncRequest', ...target, scope: { full: true } });
        counters.resyncRequestsSent++;
      }
      return;
    }
    this.maybeNack(now);
    if (this.ackWanted || (this.appliedSinceAck > 0 && now - this.firstUnackedAt >= options.ackDelayMs)) this.sendAck();
    const { repair, requested } = this.applier;
    // new buckets at once; those asked for before, again every joinRetryMs until their resync
    // begins, a bounded number of times (an origin that is no longer the sender answers none;
    // anti-entropy remains)
    const again = requested.size > 0 && this.repairRepeats < REPAIR_REPEATS && now - this.lastRepairRequestAt >= options.joinRetryMs;
    if (repair.size > 0 || again) {
      if (repair.size > 0) this.repairRepeats = 0;
      else {
        this.repairRepeats++;
        counters.repairRequestsRepeated++;
      }
      for (const bucket of repair) requested.add(bucket);
      repair.clear();
      send({ type: 'syncRequest', ...target, scope: { full: false, buckets: [...requested].sort((a, b) => a - b) } });
      counters.resyncRequestsSent++;
      this.lastRepairRequestAt = now;
    }
  }

  /** Applies one in-order frame. */
  private apply({ entries, sentAs }: BufferedFrame): void {
    const now = this.deps.clock.now();
    this.applier.apply(entries, now, this.expected, sentAs);
    this.expected = seqAdd(this.expected, 1);
    if (this.appliedSinceAck === 0) this.firstUnackedAt = now;
    this.appliedSinceAck++;
    if (this.appliedSinceAck >= this.deps.options.ackEveryFrames) this.sendAck();
  }

  private drain(): void {
    for (let frame = this.buffer.get(this.expected); frame !== undefined; frame = this.buffer.get(this.expected)) {
      this.buffer.delete(this.expected);
      this.apply(frame);
    }
  }

  private sendAck(): void {
    const upTo = seqAdd(this.expected, -1);
    this.deps.send({ type: 'ack', target: this.deps.origin, targetEpoch: this.deps.originEpoch, upTo });
    this.deps.counters.acksSent++;
    this.lastAckSent = upTo;
    this.appliedSinceAck = 0;
    this.ackWanted = false;
  }

  private maybeNack(now: number): void {
    const ranges = this.gaps.nack(now, this.expected, (seq) => this.buffer.has(seq));
    if (ranges === undefined) return;
    this.deps.send({ type: 'nack', target: this.deps.origin, targetEpoch: this.deps.originEpoch, ranges });
    this.deps.counters.nacksSent++;
  }
}
