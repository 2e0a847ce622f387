// Which of a sender's data frames a receiver is missing, and when to NACK them. A sequence number
// is known missing from the moment a later one is known to exist (from a data frame or the
// last-sequence field of any control frame). It is NACKed for the first time once it has been
// known missing for the reorder delay (reorder-delay.ts: 0, hence at once, on a link that does
// not reorder), and again whenever it is still missing the repeat interval after its last NACK
// (repair-time.ts: nackRetryMs, or longer on a link whose resends take longer to come). Without
// the delay a jittery link costs a resend of every reordered frame: a heartbeat carrying the last
// sequence number overtakes data frames still in flight, and they were NACKed at once. Without
// the longer interval a long link costs several resends of every frame lost: it was NACKed again
// every nackRetryMs before the first resend could arrive. Ranges run from the next expected
// sequence number to the last one known missing long enough, minus what is buffered out of
// order and what was NACKed too recently, capped at the reorder window and MAX_NACK_RANGES runs.
import type { SeqRange } from '../wire/messages.js';
import { MAX_NACK_RANGES } from '../wire/messages.js';
import { ReorderDelay } from './reorder-delay.js';
import { RepairTime } from './repair-time.js';
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

/** A sequence number NACKed and still missing. */
interface Nacked {
  /** When it was last NACKed. */
  at: number;
  /** When it is NACKed again: the repeat interval as it stood at its last NACK. */
  dueAt: number;
  /** NACKs that asked for it since it went missing. */
  count: number;
  /** The sender's latest frame counter we had seen when it was first NACKed (a resend's is higher). */
  readonly counter: number | undefined;
}

export class GapTracker {
  private highestKnown: number | undefined;
  /** The highest sequence number walked for NACKs (all below it were ripe). */
  private nackedUpTo: number | undefined;
  /**
   * Numbers NACKed and still missing, all within the reorder window past the next expected one:
   * an arrival or a skip removes them.
   */
  private nacked = new Map<number, Nacked>();
  /** No entry of `nacked` is due before this (-Infinity: a ripe number waits for its first NACK). */
  private nextDueAt = Number.POSITIVE_INFINITY;
  /** The sender's highest frame counter seen. */
  private lastCounter: number | undefined;
  /** When the numbers above `ripeUpTo` became known missing, oldest first. */
  private marks: Mark[] = [];
  /** Known missing for longer than any reorder delay (marks dropped as old). */
  private ripeUpTo: number | undefined;
  private readonly reorder: ReorderDelay;
  private readonly repair: RepairTime;

  constructor(
    private readonly nackRetryMs: number,
    private readonly windowFrames: number,
  ) {
    // bounded so that a real loss is still NACKed well within a retry interval
    this.reorder = new ReorderDelay(nackRetryMs / 2);
    this.repair = new RepairTime(nackRetryMs);
  }

  /**
   * A sequence number the sender has used, known at `now` from a frame it sent as its
   * `counter`th (the header's frame counter; undefined when unknown).
   */
  note(seq: number, now: number, counter?: number): void {
    if (counter !== undefined && (this.lastCounter === undefined || counter > this.lastCounter)) this.lastCounter = counter;
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
   * causes, is sent after) is a sample of how late this sender's frames get reordered. One NACKed
   * exactly once, and sent after that NACK (a frame counter above any seen by then), is a sample
   * of how long a repair takes.
   */
  arrived(seq: number, now: number, counter: number | undefined): void {
    const nacked = this.nacked.get(seq);
    if (nacked !== undefined) {
      this.nacked.delete(seq);
      const resent = counter !== undefined && nacked.counter !== undefined && counter > nacked.counter;
      if (nacked.count === 1 && resent) this.repair.sample(now - nacked.at);
    }
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

  /** A JOIN (a new place in the stream): everything known of the stream so far is void. */
  reset(): void {
    this.highestKnown = undefined;
    this.nackedUpTo = undefined;
    this.marks = [];
    this.ripeUpTo = undefined;
    this.nacked.clear();
    this.nextDueAt = Number.POSITIVE_INFINITY;
    this.lastCounter = undefined;
    this.repair.reset();
  }

  /** The sender said the numbers before `to` are gone: they will not arrive. */
  skipped(to: number): void {
    for (const seq of this.nacked.keys()) if (seqBefore(seq, to)) this.nacked.delete(seq);
  }

  /** How long after its NACK a number NACKed now is NACKed again if still missing. */
  repeatMs(): number {
    return this.repair.repeatMs();
  }

  /** The ranges to NACK now, if any. */
  nack(now: number, expected: number, buffered: (seq: number) => boolean): SeqRange[] | undefined {
    const ripe = this.ripe(now, expected);
    if (ripe === undefined || seqBefore(ripe, expected)) return undefined;
    const covered = this.nackedUpTo;
    const fresh = covered === undefined || seqAfter(ripe, covered);
    const due = now >= this.nextDueAt;
    if (!fresh && !due) return undefined;
    // a NACK due walks everything missing; otherwise only what ripened since the last walk
    const upTo = fresh ? ripe : covered;
    const from = !due && covered !== undefined && seqAfterOrEqual(covered, expected) ? seqAdd(covered, 1) : expected;
    this.nackedUpTo = upTo;
    const { ranges, repeats } = this.missing(from, upTo, expected, now, buffered);
    if (repeats) this.repair.repeated();
    return ranges.length === 0 ? undefined : ranges;
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

  /**
   * Walks `from`..`upTo` (within the reorder window past `expected`) for numbers to NACK: missing
   * (not buffered) and either never NACKed or due again. Records them as NACKed now.
   */
  private missing(from: number, upTo: number, expected: number, now: number, buffered: (seq: number) => boolean) {
    const ranges: { from: number; to: number }[] = [];
    let repeats = false;
    const dueAt = now + this.repair.repeatMs();
    // a walk from `expected` sees every entry, one from further on only new numbers
    let next = from === expected ? Number.POSITIVE_INFINITY : this.nextDueAt;
    const span = Math.min(seqDiff(upTo, from), this.windowFrames - seqDiff(from, expected));
    for (let i = 0; i <= span; i++) {
      const seq = seqAdd(from, i);
      if (buffered(seq)) continue;
      const entry = this.nacked.get(seq);
      if (entry !== undefined && now < entry.dueAt) {
        next = Math.min(next, entry.dueAt);
        continue;
      }
      const open = ranges.at(-1);
      if (open !== undefined && open.to === seqAdd(seq, -1)) open.to = seq;
      else if (ranges.length < MAX_NACK_RANGES) ranges.push({ from: seq, to: seq });
      else {
        // no room left in this NACK: the next call walks again
        next = Number.NEGATIVE_INFINITY;
        continue;
      }
      next = Math.min(next, dueAt);
      if (entry === undefined) this.nacked.set(seq, { at: now, dueAt, count: 1, counter: this.lastCounter });
      else {
        entry.at = now;
        entry.dueAt = dueAt;
        entry.count++;
        repeats = true;
      }
    }
    this.nextDueAt = next;
    return { ranges, repeats };
  }
}

/** Of two frame counters, the later (undefined when either is unknown: no sample then). */
function maxCounter(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.max(a, b);
}
