// Time as an argument: the sync protocol never reads the system clock or sets timers itself; it
// is given a Clock. The daemon wires `systemClock`; tests drive a FakeClock (fake-clock.ts) to
// simulate loss, reordering and sequence wraparound without sleeping.
import { performance } from 'node:perf_hooks';

/** Opaque handle of a pending timer. */
export type TimerHandle = { readonly __timerHandle: true };

export interface Clock {
  /** Monotonic milliseconds (fractions allowed); never goes backwards. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process's monotonic clock and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};
