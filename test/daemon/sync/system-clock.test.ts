// The daemon's Clock: a 0 ms delay runs at the end of the event loop's turn (before any Node
// timer, which waits at least 1 ms), and either kind of timer can be cancelled.
import { stat } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../daemon/src/sync/clock.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('systemClock', () => {
  it('runs a 0 ms timer after the current turn, before a Node setTimeout(0)', async () => {
    // from an I/O callback (the poll phase), as the daemon's work runs: immediates come before
    // the next timers phase, so the order below is deterministic
    await new Promise((resolve) => stat('.', resolve));
    const order: string[] = [];
    setTimeout(() => order.push('node timeout'), 0);
    systemClock.setTimeout(() => order.push('clock 0'), 0);
    order.push('same turn');
    await tick(20);
    expect(order).toEqual(['same turn', 'clock 0', 'node timeout']);
  });

  it('cancels a 0 ms timer and a delayed one', async () => {
    const fired: number[] = [];
    const zero = systemClock.setTimeout(() => fired.push(0), 0);
    const later = systemClock.setTimeout(() => fired.push(5), 5);
    systemClock.setTimeout(() => fired.push(1), 1);
    systemClock.clearTimeout(zero);
    systemClock.clearTimeout(later);
    await tick(30);
    expect(fired).toEqual([1]);
  });
});
