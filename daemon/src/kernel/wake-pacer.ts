// When a reader of the conntrack event socket should nap before it drains. A wake costs more
// than a datagram (the wake itself, the drain's closing EAGAIN, and downstream one sync frame to
// seal, send and open on the peer), so while events stream in (measured over a window of
// WINDOW_MS, so that a burst of a few hundred is not a stream) a wake first sleeps (a blocking
// wait: no CPU) and lets events gather in the socket: a short nap from a few thousand events a
// second, a longer one for bulk streams. Slow streams, and the first events after a quiet spell,
// go through at once, and their readers do not drain (a nap of 0: the socket's watch reads them
// one datagram a wake). Measured at 10k new flows/s (bench/syncd-vs-conntrackd.ts,
// docs/benchmarks.md): a 0.35 ms nap brought both daemons from 116 to 75 us of CPU per flow,
// and the latency's tail down with it, adding ~0.3 ms to its median.
//
// Used by the event pump (event-pump-main.ts) and by the in-process reader (direct-source.ts).

/** Datagrams per millisecond above which wakes nap first (3k events/s), and how long (ms). */
export const NAP_RATE = 3;
export const NAP_MS = 0.35;
/** Above this rate (30k events/s) a wake waits longer: the socket holds thousands of events, and latency grows by this at most. */
export const GATHER_RATE = 30;
export const GATHER_MS = 1;
const WINDOW_MS = 20;

export class WakePacer {
  /** Datagrams per millisecond over the last full window; the window being counted. */
  private rate = 0;
  private windowStart = 0;
  private windowCount = 0;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  /**
   * How long a wake at `now` should nap before it drains (0: not at all). Starts a new window
   * when the last one is over; a window with no wake at all counts as idle.
   */
  napFor(now: number): number {
    if (now - this.windowStart > WINDOW_MS) {
      this.rate = now - this.windowStart < 2 * WINDOW_MS ? this.windowCount / (now - this.windowStart) : 0;
      this.windowStart = now;
      this.windowCount = 0;
    }
    if (this.rate > GATHER_RATE) return GATHER_MS;
    return this.rate > NAP_RATE ? NAP_MS : 0;
  }

  /** Sleeps `ms` (blocks the thread, no CPU); 0: returns at once. */
  nap(ms: number): void {
    if (ms > 0) Atomics.wait(this.sleeper, 0, 0, ms);
  }

  /** Counts the datagrams a wake read. */
  count(datagrams: number): void {
    this.windowCount += datagrams;
  }
}
