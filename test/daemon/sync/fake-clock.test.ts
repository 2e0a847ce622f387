import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';

describe('FakeClock', () => {
  it('fires timers in due order, then creation order, at their due time', () => {
    const clock = new FakeClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.advance(15);
    expect(fired).toEqual(['a@110']);
    expect(clock.now()).toBe(115);
    clock.advance(100);
    expect(fired).toEqual(['a@110', 'b@120', 'c@120']);
  });

  it('runs timers set by timers within the same advance, and honours clearTimeout', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const tick = (): void => {
      fired.push(clock.now());
      if (fired.length < 5) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    const cancelled = clock.setTimeout(() => fired.push(-1), 25);
    clock.clearTimeout(cancelled);
    clock.advance(100);
    expect(fired).toEqual([10, 20, 30, 40, 50]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('advances until a condition holds, or reports the limit', () => {
    const clock = new FakeClock();
    let flag = false;
    clock.setTimeout(() => (flag = true), 37);
    expect(clock.advanceUntil(() => flag, 1000, 10)).toBe(40);
    expect(clock.advanceUntil(() => false, 50, 10)).toBeUndefined();
  });
});
