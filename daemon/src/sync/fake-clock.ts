// A Clock whose time moves only when a test (or simulation) advances it. Timers fire in order of
// due time, then of creation; timers created while advancing fire in the same advance when due.
import type { Clock, TimerHandle } from './clock.js';

interface FakeTimer {
  readonly due: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private current: number;
  private order = 0;
  /** Binary min-heap by (due, order). */
  private readonly heap: FakeTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer: FakeTimer = {
      due: this.current + Math.max(0, delayMs),
      order: this.order++,
      callback,
      cancelled: false,
    };
    this.push(timer);
    return timer as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as unknown as FakeTimer).cancelled = true;
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.heap.filter((timer) => !timer.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer due up to the new time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.due > target) break;
      this.pop();
      if (next.cancelled) continue;
      this.current = Math.max(this.current, next.due);
      next.callback();
    }
    this.current = target;
  }

  /**
   * Advances in steps of `stepMs` until `done()` holds or `limitMs` passed. Returns the time it
   * took, or undefined if the limit was reached first.
   */
  advanceUntil(done: () => boolean, limitMs: number, stepMs = 1): number | undefined {
    const start = this.current;
    while (!done()) {
      if (this.current - start >= limitMs) return undefined;
      this.advance(stepMs);
    }
    return this.current - start;
  }

  private push(timer: FakeTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(timer, heap[parent] as FakeTimer)) break;
      heap[i] = heap[parent] as FakeTimer;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      const candidate = (index: number): FakeTimer => (index === i ? last : (heap[index] as FakeTimer));
      if (left < heap.length && earlier(heap[left] as FakeTimer, candidate(smallest))) smallest = left;
      if (right < heap.length && earlier(heap[right] as FakeTimer, candidate(smallest))) smallest = right;
      if (smallest === i) break;
      heap[i] = heap[smallest] as FakeTimer;
      i = smallest;
    }
    heap[i] = last;
  }
}

function earlier(a: FakeTimer, b: FakeTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}
