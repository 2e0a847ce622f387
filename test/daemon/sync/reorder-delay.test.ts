import { describe, expect, it } from 'vitest';
import { REORDER_FLOOR_MS, REORDER_MEMORY_MS, ReorderDelay } from '../../../daemon/src/sync/reorder-delay.js';

describe('ReorderDelay', () => {
  it('is 0 until a frame is seen late, then the longest lateness plus a quarter', () => {
    const delay = new ReorderDelay(20);
    expect(delay.delayMs(0)).toBe(0);
    delay.sample(4, 10);
    delay.sample(2, 20);
    expect(delay.delayMs(30)).toBe(5);
    delay.sample(6, 40);
    expect(delay.delayMs(50)).toBe(7.5);
  });

  it('ignores lateness below the floor and caps the delay', () => {
    const delay = new ReorderDelay(20);
    delay.sample(REORDER_FLOOR_MS / 2, 0);
    expect(delay.delayMs(1)).toBe(0);
    delay.sample(500, 2);
    expect(delay.delayMs(3)).toBe(20);
  });

  it('forgets reordering one to two memory periods after the last sample', () => {
    const delay = new ReorderDelay(20);
    delay.sample(8, 0);
    expect(delay.delayMs(REORDER_MEMORY_MS - 1)).toBe(10);
    expect(delay.delayMs(REORDER_MEMORY_MS + 1), 'the last period still counts').toBe(10);
    expect(delay.delayMs(2 * REORDER_MEMORY_MS + 2)).toBe(0);
    // a quiet spell longer than two periods forgets at once
    delay.sample(8, 3 * REORDER_MEMORY_MS);
    expect(delay.delayMs(6 * REORDER_MEMORY_MS)).toBe(0);
  });
});
