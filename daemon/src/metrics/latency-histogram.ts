// Latencies (replication lag, commit duration) as two views of the same observations:
// - cumulative bucket counts since start, with fixed upper bounds: what a Prometheus histogram
//   exposes (the server computes rates and quantiles over any range from them);
// - p50/p99 of the recent past for `half status`, from QuantileSketches over a sliding window
//   of one to two `windowMs` (the current window and the one before it), by nearest rank: the
//   p99 of fewer than 100 samples is their worst.
// Time is an argument: `now` is the caller's monotonic milliseconds (sync/clock.ts).
import { QuantileSketch } from './quantile-sketch.js';

/** Upper bounds (ms) for replication lag: sub-millisecond on a quiet link up to resend timescales. */
export const LAG_BOUNDS_MS = [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
/** Upper bounds (ms) for commits: a few entries (ms) up to a million (seconds). */
export const COMMIT_BOUNDS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const;

export interface HistogramSnapshot {
  /** Upper bounds in milliseconds, ascending. */
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); one more than bounds: the last is above every bound. */
  readonly counts: readonly number[];
  readonly count: number;
  /** Sum of every observation, ms. */
  readonly sum: number;
  /** The latest observation, ms. */
  readonly last: number | null;
  /** Median and 99th percentile of the recent window, ms; null when it saw nothing. */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly windowMs: number;
}

export interface LatencyHistogramOptions {
  readonly windowMs?: number;
  readonly relativeAccuracy?: number;
}

export class LatencyHistogram {
  readonly bounds: readonly number[];
  private readonly counts: number[];
  private readonly windowMs: number;
  private readonly accuracy: number;
  private count = 0;
  private sum = 0;
  private last: number | null = null;
  private current: QuantileSketch;
  private previous: QuantileSketch;
  private windowStart: number | undefined;

  constructor(bounds: readonly number[], options: LatencyHistogramOptions = {}) {
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number)))) {
      throw new RangeError(`LatencyHistogram: bounds must be finite and strictly ascending, got ${bounds.join(', ')}`);
    }
    this.bounds = [...bounds];
    this.counts = new Array<number>(bounds.length + 1).fill(0);
    this.windowMs = options.windowMs ?? 60_000;
    this.accuracy = options.relativeAccuracy ?? 0.01;
    this.current = new QuantileSketch({ relativeAccuracy: this.accuracy });
    this.previous = new QuantileSketch({ relativeAccuracy: this.accuracy });
  }

  /** Records one latency in milliseconds; negative and NaN values are ignored. */
  observe(valueMs: number, now: number): void {
    if (!(valueMs >= 0)) return;
    this.rotate(now);
    let index = this.bounds.findIndex((bound) => valueMs <= bound);
    if (index < 0) index = this.bounds.length;
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.count++;
    this.sum += valueMs;
    this.last = valueMs;
    this.current.add(valueMs);
  }

  snapshot(now: number): HistogramSnapshot {
    this.rotate(now);
    const recent = new QuantileSketch({ relativeAccuracy: this.accuracy });
    recent.merge(this.previous);
    recent.merge(this.current);
    return {
      bounds: [...this.bounds],
      counts: [...this.counts],
      count: this.count,
      sum: this.sum,
      last: this.last,
      p50: recent.quantile(0.5) ?? null,
      p99: recent.quantile(0.99) ?? null,
      windowMs: this.windowMs,
    };
  }

  private rotate(now: number): void {
    if (this.windowStart === undefined) {
      this.windowStart = now;
      return;
    }
    const elapsed = now - this.windowStart;
    if (elapsed < this.windowMs) return;
    const windows = Math.floor(elapsed / this.windowMs);
    this.previous = windows === 1 ? this.current : new QuantileSketch({ relativeAccuracy: this.accuracy });
    this.current = new QuantileSketch({ relativeAccuracy: this.accuracy });
    this.windowStart += windows * this.windowMs;
  }
}

/** An empty snapshot (nothing observed yet), e.g. before the first commit. */
export function emptySnapshot(bounds: readonly number[], windowMs = 60_000): HistogramSnapshot {
  return { bounds: [...bounds], counts: new Array<number>(bounds.length + 1).fill(0), count: 0, sum: 0, last: null, p50: null, p99: null, windowMs };
}
