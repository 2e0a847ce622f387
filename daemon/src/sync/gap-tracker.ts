// Which of a sender's data frames a receiver is missing, and when to NACK them: gaps seen for the
// first time (beyond what earlier NACKs covered) at once, everything still missing again after
// nackRetryMs. Ranges run from the next expected sequence number to the highest one known to
// exist (from a data frame or the last-sequence field of any control frame), minus what is
// buffered out of order, capped at the reorder window and MAX_NACK_RANGES runs.
import type { SeqRange } from '../wire/messages.js';
import { MAX_NACK_RANGES } from '../wire/messages.js';
import { seqAdd, seqAfter, seqAfterOrEqual, seqBefore, seqDiff } from './serial.js';

export class GapTracker {
  private highestKnown: number | undefined;
  private nackedUpTo: number | undefined;
  private lastNackAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly nackRetryMs: number,
    private readonly windowFrames: number,
  ) {}

  /** A sequence number the sender has used. */
  note(seq: number): void {
    if (this.highestKnown === undefined || seqAfter(seq, this.highestKnown)) this.highestKnown = seq;
  }

  reset(): void {
    this.highestKnown = undefined;
    this.nackedUpTo = undefined;
  }

  /** The ranges to NACK now, if any. */
  nack(now: number, expected: number, buffered: (seq: number) => boolean): SeqRange[] | undefined {
    const highest = this.highestKnown;
    if (highest === undefined || seqBefore(highest, expected)) return undefined;
    let from = expected;
    const retry = now - this.lastNackAt >= this.nackRetryMs;
    if (!retry) {
      const covered = this.nackedUpTo;
      if (covered === undefined || !seqAfter(highest, covered)) return undefined;
      if (seqAfterOrEqual(covered, from)) from = seqAdd(covered, 1);
    }
    const ranges = this.missing(from, highest, buffered);
    this.nackedUpTo = highest;
    if (ranges.length === 0) return undefined;
    if (retry) this.lastNackAt = now;
    return ranges;
  }

  private missing(from: number, highest: number, buffered: (seq: number) => boolean): SeqRange[] {
    const ranges: SeqRange[] = [];
    const span = Math.min(seqDiff(highest, from), this.windowFrames);
    let start: number | undefined;
    for (let i = 0; i <= span && ranges.length < MAX_NACK_RANGES; i++) {
      const seq = seqAdd(from, i);
      if (!buffered(seq)) {
        start ??= seq;
        continue;
      }
      if (start !== undefined) ranges.push({ from: start, to: seqAdd(seq, -1) });
      start = undefined;
    }
    if (start !== undefined && ranges.length < MAX_NACK_RANGES) ranges.push({ from: start, to: seqAdd(from, span) });
    return ranges;
  }
}
