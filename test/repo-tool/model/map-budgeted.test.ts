// mapBudgeted runs at most `limit` calls and at most `budget` of weight at once, a heavier item
// alone, in input order, and keeps the results in input order.
import { describe, expect, it } from 'vitest';
import { mapBudgeted } from '../../../repo-tool/src/model/map-budgeted.js';

/** Runs `weights` through mapBudgeted, each call taking a few ticks; returns the results and the peaks seen. */
async function trace(weights: readonly number[], limit: number, budget: number) {
  let running = 0;
  let used = 0;
  const peaks = { running: 0, used: 0 };
  const started: number[] = [];
  const results = await mapBudgeted(weights.map((w, i) => ({ w, i })), limit, budget, async (item) => item.w, async (item) => {
    started.push(item.i);
    running++;
    used += item.w;
    peaks.running = Math.max(peaks.running, running);
    if (running > 1) peaks.used = Math.max(peaks.used, used);
    for (let t = 0; t < 1 + (item.i % 3); t++) await new Promise((r) => setImmediate(r));
    running--;
    used -= item.w;
    return item.i * 10;
  });
  return { results, peaks, started };
}

describe('mapBudgeted', () => {
  it('keeps to the number of calls and the budget, starts in order and keeps results in order', async () => {
    const weights = Array.from({ length: 50 }, (_, i) => [1, 5, 20][i % 3] as number);
    const { results, peaks, started } = await trace(weights, 8, 30);
    expect(results).toEqual(weights.map((_, i) => i * 10));
    expect(started).toEqual(weights.map((_, i) => i));
    expect(peaks.running).toBeLessThanOrEqual(8);
    expect(peaks.running).toBeGreaterThan(1);
    expect(peaks.used).toBeLessThanOrEqual(30);
  });

  it('runs an item heavier than the budget alone, and finishes an empty list', async () => {
    const { results, peaks } = await trace([1, 100, 1, 1], 8, 10);
    expect(results).toEqual([0, 10, 20, 30]);
    expect(peaks.used).toBeLessThanOrEqual(10);
    expect((await trace([], 4, 10)).results).toEqual([]);
  });

  it('rejects with the first error and starts nothing more', async () => {
    const started: number[] = [];
    const failing = mapBudgeted([0, 1, 2, 3, 4, 5], 2, 100, async () => 1, async (i) => {
      started.push(i);
      await new Promise((r) => setImmediate(r));
      if (i === 1) throw new Error('boom');
      return i;
    });
    await expect(failing).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 10));
    expect(started.length).toBeLessThanOrEqual(3);
  });
});
