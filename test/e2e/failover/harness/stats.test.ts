import { describe, expect, it } from 'vitest';
import { percentile, spread } from './stats.js';

describe('stats', () => {
  it('takes nearest-rank percentiles: every value reported was measured', () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(100);
    expect(percentile(values, 99)).toBe(198);
    expect(percentile(values, 100)).toBe(200);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted values', () => {
    expect(spread([3, 1, 2])).toEqual({ count: 3, p50: 2, p99: 3, max: 3 });
    expect(spread([]).count).toBe(0);
  });
});
