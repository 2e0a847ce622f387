// A quantile sketch with a relative-error guarantee, after DDSketch (Masson, Rim, Lee: "DDSketch:
// A Fast and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees", VLDB 2019): values
// fall into logarithmic buckets [γ^(i-1), γ^i) with γ = (1+α)/(1-α), so any quantile is answered
// within a relative error α of a value that was observed, in bounded memory, and two sketches
// merge by adding bucket counts. Pure: no clock; values are non-negative (latencies).

export interface QuantileSketchOptions {
  /** Relative accuracy α of the answers (default 0.01 = 1 %). */
  readonly relativeAccuracy?: number;
  /** Values at or below this count as zero (default 1e-6). */
  readonly minValue?: number;
  /** Bucket budget; beyond it the lowest buckets are merged (default 2048). */
  readonly maxBuckets?: number;
}

export class QuantileSketch {
  readonly relativeAccuracy: number;
  private readonly logGamma: number;
  private readonly minValue: number;
  private readonly maxBuckets: number;
  private readonly buckets = new Map<number, number>();
  private zeros = 0;
  private total = 0;

  constructor(options: QuantileSketchOptions = {}) {
    const alpha = options.relativeAccuracy ?? 0.01;
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`QuantileSketch: relativeAccuracy ${alpha} must be between 0 and 1`);
    this.relativeAccuracy = alpha;
    this.logGamma = Math.log((1 + alpha) / (1 - alpha));
    this.minValue = options.minValue ?? 1e-6;
    this.maxBuckets = Math.max(16, options.maxBuckets ?? 2048);
  }

  get count(): number {
    return this.total;
  }

  /** Records `value` (`weight` times). NaN and negative values are ignored. */
  add(value: number, weight = 1): void {
    if (!(value >= 0) || !(weight > 0)) return;
    this.total += weight;
    if (value <= this.minValue) {
      this.zeros += weight;
      return;
    }
    const index = Math.ceil(Math.log(value) / this.logGamma);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + weight);
    if (this.buckets.size > this.maxBuckets) this.collapseLowest();
  }

  /** Adds every observation of `other` (which must use the same accuracy). */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) throw new RangeError('QuantileSketch.merge: sketches of different accuracy');
    this.zeros += other.zeros;
    this.total += other.total;
    for (const [index, n] of other.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + n);
    while (this.buckets.size > this.maxBuckets) this.collapseLowest();
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) of what was added, or undefined when nothing was: by nearest rank,
   * the value of rank ⌈q·n⌉ (1-based) of the sorted observations, so no interpolation between
   * two of them, and of fewer than 1/(1-q) observations the highest is the q-quantile: the p99
   * of a window of 18 lag samples is its worst, which a rank of q·(n-1) (rounded down) hid.
   */
  quantile(q: number): number | undefined {
    if (this.total === 0 || !(q >= 0 && q <= 1)) return undefined;
    // 0-based; the tolerance keeps a product like 0.07 * 100 = 7.000000000000001 at rank 7
    const rank = Math.max(0, Math.ceil(q * this.total - 1e-9) - 1);
    let seen = this.zeros;
    if (rank < seen) return 0;
    const indexes = [...this.buckets.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      seen += this.buckets.get(index) ?? 0;
      if (rank < seen) return this.valueOf(index);
    }
    const last = indexes[indexes.length - 1];
    return last === undefined ? 0 : this.valueOf(last);
  }

  clear(): void {
    this.buckets.clear();
    this.zeros = 0;
    this.total = 0;
  }

  /** The value a bucket stands for: within α of everything in it. */
  private valueOf(index: number): number {
    const gamma = Math.exp(this.logGamma);
    return (2 * Math.pow(gamma, index)) / (gamma + 1);
  }

  private collapseLowest(): void {
    const indexes = [...this.buckets.keys()].sort((a, b) => a - b);
    const [lowest, next] = indexes;
    if (lowest === undefined || next === undefined) return;
    this.buckets.set(next, (this.buckets.get(next) ?? 0) + (this.buckets.get(lowest) ?? 0));
    this.buckets.delete(lowest);
  }
}
