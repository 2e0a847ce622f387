// The quantile sketch's guarantee, checked against exact quantiles of the same data: every
// answer within the relative accuracy of the true value, for skewed, spread and constant data,
// after merges, and within the bucket budget.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { QuantileSketch } from '../../../daemon/src/metrics/quantile-sketch.js';

/** The q-quantile as the sketch defines it: by nearest rank, the ⌈q·n⌉-th (1-based) of sorted data. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

function expectWithin(actual: number | undefined, expected: number, alpha: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(alpha * expected + 1e-12);
}

const QS = [0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1];

describe('QuantileSketch', () => {
  it.each([
    ['log-normal latencies', (p: Prng) => Math.exp(p.next() * 8 - 2)],
    ['uniform 0.1..100 ms', (p: Prng) => 0.1 + p.next() * 99.9],
    ['heavy tail', (p: Prng) => 1 / Math.max(1e-4, p.next())],
  ])('answers within 1 %% for %s', (_name, draw) => {
    const prng = new Prng(7);
    const sketch = new QuantileSketch({ relativeAccuracy: 0.01 });
    const values = Array.from({ length: 20_000 }, () => draw(prng));
    for (const v of values) sketch.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    expect(sketch.count).toBe(values.length);
    for (const q of QS) expectWithin(sketch.quantile(q), exact(sorted, q), 0.01);
  });

  it('merges two sketches into the sketch of all their data', () => {
    const prng = new Prng(3);
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    const all: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = Math.exp(prng.next() * 6);
      (i % 3 === 0 ? a : b).add(v);
      all.push(v);
    }
    a.merge(b);
    const sorted = all.sort((x, y) => x - y);
    expect(a.count).toBe(5000);
    for (const q of QS) expectWithin(a.quantile(q), exact(sorted, q), 0.01);
  });

  it('handles zeros, constants, weights, and ignores what is not a latency', () => {
    const sketch = new QuantileSketch();
    expect(sketch.quantile(0.5)).toBeUndefined();
    sketch.add(0);
    sketch.add(0);
    sketch.add(5, 2);
    sketch.add(-1);
    sketch.add(NaN);
    expect(sketch.count).toBe(4);
    expect(sketch.quantile(0)).toBe(0);
    expectWithin(sketch.quantile(1), 5, 0.01);
    expect(sketch.quantile(1.5)).toBeUndefined();
    sketch.clear();
    expect(sketch.count).toBe(0);
  });

  it('keeps its bucket budget by merging the lowest buckets (high quantiles stay exact to 1 %)', () => {
    const sketch = new QuantileSketch({ maxBuckets: 64 });
    const values = Array.from({ length: 1000 }, (_, i) => 1.05 ** i);
    for (const v of values) sketch.add(v);
    expect((sketch as unknown as { buckets: Map<number, number> }).buckets.size).toBeLessThanOrEqual(64);
    expectWithin(sketch.quantile(0.99), exact(values, 0.99), 0.01);
    expectWithin(sketch.quantile(1), exact(values, 1), 0.01);
  });

  it('answers by nearest rank: the p99 of fewer than 100 observations is the highest, so one spike shows', () => {
    for (const n of [1, 2, 18, 47, 99, 100, 101, 150, 1000]) {
      const sketch = new QuantileSketch();
      for (let i = 0; i < n - 1; i++) sketch.add(1);
      sketch.add(1000);
      // ⌈0.99·n⌉ = n below n = 100: the spike; from 100 on, rank n-1 or lower: the rest
      expectWithin(sketch.quantile(0.99), n < 100 ? 1000 : 1, 0.01);
      expectWithin(sketch.quantile(1), 1000, 0.01);
      expectWithin(sketch.quantile(0.5), n === 1 ? 1000 : 1, 0.01);
      expectWithin(sketch.quantile(0), n === 1 ? 1000 : 1, 0.01);
    }
    // ranks are whole numbers even where q·n in floating point is not (0.07 * 100 = 7.000000000000001)
    const steps = new QuantileSketch();
    for (let i = 1; i <= 100; i++) steps.add(i);
    expectWithin(steps.quantile(0.07), 7, 0.01);
    expectWithin(steps.quantile(0.5), 50, 0.01);
    expectWithin(steps.quantile(0.99), 99, 0.01);
  });

  it('refuses an impossible accuracy and a merge of different accuracies', () => {
    expect(() => new QuantileSketch({ relativeAccuracy: 0 })).toThrow(/between 0 and 1/);
    expect(() => new QuantileSketch().merge(new QuantileSketch({ relativeAccuracy: 0.05 }))).toThrow(/different accuracy/);
  });
});
