// Which of a sender's data frames a receiver is missing, and when to NACK them. A sequence number
// is known missing from the moment a later one is known to exist (from a data frame or the
// last-sequence field of any control frame). It is NACKed for the first time once it has been
// known missing for the reorder delay (reorder-delay.ts: 0, hence at once, on a link that does
// not reorder), and everything still missing again after nackRetryMs. Without the delay a
// jittery link costs a resend of every reordered frame: a heartbeat carrying the last sequence
// number overtakes data frames still in flight, and they were NACKed at once. Ranges run from
// the next expected sequence number to the last one known missing long enough, minus what is
// buffered out of order, capped at the reorder window and MAX_NACK_RANGES runs.
import type { SeqRange } from '../wire/messages.js';
import { MAX_NACK_RANGES } from '../wire/messages.js';
import { ReorderDelay } from './reorder-delay.js';
import { seqAdd, seqAfter, seqAfterOrEqual, seqBefore, seqBeforeOrEqual, seqDiff } from './serial.js';

/**
 * The sequence numbers up to `upTo` (after the mark before) became known missing at `at`, shown by
 * the frame the sender sent as its `counter`th.
 */
interface Mark {
  readonly upTo: number;
  readonly at: number;
  readonly counter: number | undefined;
}

/** Marks kept at most; the oldest beyond it count as known missing long enough. */
const MAX_MARKS = 1024;

export class GapTracker {
  private highestKnown: number | undefined;
  private nackedUpTo: number | undefined;
  private lastNackAt = Number.NEGATIVE_INFINITY;
  /** When the numbers above `ripeUpTo` became known missing, oldest first. */
  private marks: Mark[] = [];
  /** Known missing for longer than any reorder delay (marks dropped as old). */
  private ripeUpTo: number | undefined;
  private readonly reorder: ReorderDelay;

  constructor(
    private readonly nackRetryMs: number,
    private readonly windowFrames: number,
  ) {
    // bounded so that a real loss is still NACKed well within a retry interval
    this.reorder = new ReorderDelay(nackRetryMs / 2);
  }

  /**
   * A sequence number the sender has used, known at `now` from a frame it sent as its
   * `counter`th (the header's frame counter; undefined when unknown).
   */
  note(seq: number, now: number, counter?: number): void {
    if (this.highestKnown !== undefined && !seqAfter(seq, this.highestKnown)) return;
    this.highestKnown = seq;
    const last = this.marks.at(-1);
    // numbers shown missing at the same moment share a mark (a resend of any of them comes later)
    if (last !== undefined && last.at === now) this.marks[this.marks.length - 1] = { upTo: seq, at: now, counter: maxCounter(last.counter, counter) };
    else this.marks.push({ upTo: seq, at: now, counter });
    if (this.marks.length > MAX_MARKS) this.ripeUpTo = this.marks.shift()?.upTo;
  }

  /**
   * A data frame arrived, before note(). One that had been known missing and is its first
   * transmission (sent before the frame that showed it missing: a resend, which only a NACK
   * causes, is sent after) is a sample of how late this sender's frames get reordered.
   */
  arrived(seq: number, now: number, counter: number | undefined): void {
    if (counter === undefined || this.highestKnown === undefined || !seqBefore(seq, this.highestKnown)) return;
    // known missing since a mark already dropped: too long ago to tell
    if (this.ripeUpTo !== undefined && seqBeforeOrEqual(seq, this.ripeUpTo)) return;
    const mark = this.markOf(seq);
    if (mark?.counter === undefined || counter >= mark.counter) return;
    this.reorder.sample(now - mark.at, now);
  }

  /** The mark that showed `seq` missing (binary search: marks ascend in sequence order). */
  private markOf(seq: number): Mark | undefined {
    let low = 0;
    let high = this.marks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (seqBefore((this.marks[middle] as Mark).upTo, seq)) low = middle + 1;
      else high = middle;
    }
    return this.marks[low];
  }

  reset(): void {
    this.highestKnown = undefined;
    this.nackedUpTo = undefined;
    this.marks = [];
    this.ripeUpTo = undefined;
  }

  /** The ranges to NACK now, if any. */
  nack(now: number, expected: number, buffered: (seq: number) => boolean): SeqRange[] | undefined {
    const ripe = this.ripe(now, expected);
    if (ripe === undefined || seqBefore(ripe, expected)) return undefined;
    let from = expected;
    const retry = now - this.lastNackAt >= this.nackRetryMs;
    if (!retry) {
      const covered = this.nackedUpTo;
      if (covered === undefined || !seqAfter(ripe, covered)) return undefined;
      if (seqAfterOrEqual(covered, from)) from = seqAdd(covered, 1);
    }
    const ranges = this.missing(from, ripe, buffered);
    this.nackedUpTo = ripe;
    if (ranges.length === 0) return undefined;
    if (retry) this.lastNackAt = now;
    return ranges;
  }

  /**
   * The last sequence number known missing for at least the reorder delay. Marks wholly below
   * `expected` are done with; those older than twice nackRetryMs (four times the largest delay)
   * are ripe for good, and a frame they showed missing arriving now is no longer a sample.
   */
  private ripe(now: number, expected: number): number | undefined {
    const horizon = now - 2 * this.nackRetryMs;
    while (this.marks.length > 0) {
      const first = this.marks[0] as Mark;
      if (!seqBefore(first.upTo, expected) && first.at >= horizon) break;
      this.ripeUpTo = first.upTo;
      this.marks.shift();
    }
    // the newest mark at least the delay old (binary search: marks ascend in time too)
    const since = now - this.reorder.delayMs(now);
    let low = 0;
    let high = this.marks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.marks[middle] as Mark).at <= since) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? this.ripeUpTo : (this.marks[low - 1] as Mark).upTo;
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

/** Of two frame counters, the later (undefined when either is unknown: no sample then). */
function maxCounter(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.max(a, b);
}
