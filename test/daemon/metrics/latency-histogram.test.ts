// Latency histograms: exact cumulative bucket counts since start (Prometheus), and p50/p99 over a
// sliding window driven by the caller's clock: old observations leave the quantiles, never the
// buckets.
import { describe, expect, it } from 'vitest';
import { COMMIT_BOUNDS_MS, emptySnapshot, LAG_BOUNDS_MS, LatencyHistogram } from '../../../daemon/src/metrics/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('counts each observation in the first bucket whose bound holds it', () => {
    const h = new LatencyHistogram([1, 10, 100]);
    for (const v of [0, 1, 1.0001, 10, 50, 100, 101, 1e9]) h.observe(v, 0);
    h.observe(-3, 0);
    h.observe(NaN, 0);
    const s = h.snapshot(0);
    expect(s.counts).toEqual([2, 2, 2, 2]);
    expect(s.count).toBe(8);
    expect(s.sum).toBeCloseTo(1e9 + 263.0001, 3);
    expect(s.last).toBe(1e9);
  });

  it('gives p50 and p99 of the recent window, within 1 %', () => {
    const h = new LatencyHistogram(LAG_BOUNDS_MS, { windowMs: 1000 });
    for (let i = 1; i <= 1000; i++) h.observe(i / 100, i / 2); // 0.01 .. 10 ms over 500 ms
    const s = h.snapshot(500);
    expect(Math.abs((s.p50 ?? 0) - 5) / 5).toBeLessThanOrEqual(0.01);
    expect(Math.abs((s.p99 ?? 0) - 9.9) / 9.9).toBeLessThanOrEqual(0.01);
  });

  it('shows a single lag spike as p99 in a window of fewer than 100 samples (a quiet pair sees 18-47)', () => {
    const h = new LatencyHistogram(LAG_BOUNDS_MS);
    for (let i = 0; i < 17; i++) h.observe(0.4, i);
    h.observe(350, 17);
    const s = h.snapshot(20);
    expect(s.p99).toBeCloseTo(350, -1);
    expect(s.p50).toBeCloseTo(0.4, 2);
  });

  it('forgets old observations in the quantiles after two windows, but keeps them in the buckets', () => {
    const h = new LatencyHistogram([1, 1000], { windowMs: 1000 });
    for (let i = 0; i < 100; i++) h.observe(500, 0);
    h.observe(2, 1500); // next window: the old one is still the "previous" window
    expect(h.snapshot(1500).p50).toBeGreaterThan(400);
    h.observe(2, 2100); // two windows on: the 500s are gone from the quantiles
    const later = h.snapshot(2100);
    expect(later.p99).toBeLessThan(3);
    expect(later.count).toBe(102);
    expect(later.counts).toEqual([0, 102, 0]);
    const idle = h.snapshot(10_000);
    expect(idle.p50).toBeNull();
    expect(idle.count).toBe(102);
  });

  it('refuses bounds that are not ascending', () => {
    expect(() => new LatencyHistogram([])).toThrow(/strictly ascending/);
    expect(() => new LatencyHistogram([1, 1])).toThrow(/strictly ascending/);
    expect(() => new LatencyHistogram([1, Infinity])).toThrow(/finite/);
  });

  it('has an empty snapshot shaped like a real one', () => {
    expect(emptySnapshot(COMMIT_BOUNDS_MS)).toEqual(new LatencyHistogram(COMMIT_BOUNDS_MS).snapshot(0));
  });
});
