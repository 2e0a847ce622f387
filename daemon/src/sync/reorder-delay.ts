// How long a receiver waits before it NACKs a gap for the first time: in the spirit of RACK's
// reorder window (RFC 8985 §6.2), a missing frame is given as long to turn up as reordered frames
// of this sender have lately taken. A sample is the lateness of a frame that arrived after a later
// sequence number had shown it missing (gap-tracker.ts measures it). The delay is the longest
// sample of the last one to two REORDER_MEMORY_MS (a windowed maximum: it rises at once and falls
// back to 0 once reordering stops), plus a quarter for margin, and at most `capMs`. A link that
// does not reorder (a direct cable) keeps a delay of 0: gaps are NACKed at once, as before.

/** How long a reorder sample counts: between one and two of these. */
export const REORDER_MEMORY_MS = 5_000;

/** Lateness below this is no reordering worth waiting for (it would cost a tick of delay). */
export const REORDER_FLOOR_MS = 0.5;

export class ReorderDelay {
  /** Longest sample of the current period and of the one before it. */
  private current = 0;
  private previous = 0;
  private periodStart: number | undefined;

  constructor(private readonly capMs: number) {}

  /** A frame arrived `lagMs` after a later sequence number had shown it missing. */
  sample(lagMs: number, now: number): void {
    this.rotate(now);
    if (lagMs >= REORDER_FLOOR_MS && lagMs > this.current) this.current = Math.min(lagMs, this.capMs);
  }

  /** How long a gap seen now waits before its first NACK. */
  delayMs(now: number): number {
    this.rotate(now);
    const lag = Math.max(this.current, this.previous);
    return Math.min(this.capMs, lag + lag / 4);
  }

  private rotate(now: number): void {
    if (this.periodStart === undefined) this.periodStart = now;
    if (now - this.periodStart < REORDER_MEMORY_MS) return;
    // two periods or more without a sample forget everything; one keeps the last period's maximum
    this.previous = now - this.periodStart < 2 * REORDER_MEMORY_MS ? this.current : 0;
    this.current = 0;
    this.periodStart = now;
  }
}
