import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../../daemon/src/sync/replay-window.js';

describe('ReplayWindow', () => {
  it('accepts each counter once, in any order within the window', () => {
    const window = new ReplayWindow(64);
    for (const counter of [5, 3, 4, 10, 6, 0]) expect(window.accept(counter)).toBe(true);
    for (const counter of [5, 3, 4, 10, 6, 0]) expect(window.accept(counter)).toBe(false);
    expect(window.accept(7)).toBe(true);
  });

  it('refuses counters that fell out of the window, and forgets old slots as it slides', () => {
    const window = new ReplayWindow(64);
    expect(window.accept(1000)).toBe(true);
    expect(window.accept(1000 - 64)).toBe(false);
    expect(window.accept(1000 - 63)).toBe(true);
    // Slot of 937 (937 % 64) is reused by 1001: accepting 1001 must not look like a replay.
    expect(window.accept(1001)).toBe(true);
    expect(window.accept(1001 + 64 * 5)).toBe(true);
    expect(window.accept(1001)).toBe(false);
  });

  it('works with counters beyond 2^32', () => {
    const window = new ReplayWindow(128);
    const base = 2 ** 40;
    expect(window.accept(base)).toBe(true);
    expect(window.accept(base + 1)).toBe(true);
    expect(window.accept(base)).toBe(false);
  });
});
