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

type SystemTimer = { readonly timeout: NodeJS.Timeout } | { readonly immediate: NodeJS.Immediate };

/**
 * The process's monotonic clock and Node's timers. A delay of 0 means "once the current turn of
 * the event loop is done" (setImmediate): Node's setTimeout would wait at least 1 ms, which is
 * a millisecond of latency on every change the sync stream sends.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => {
    const timer: SystemTimer = delayMs <= 0 ? { immediate: setImmediate(callback) } : { timeout: setTimeout(callback, delayMs) };
    return timer as unknown as TimerHandle;
  },
  clearTimeout: (handle) => {
    const timer = handle as unknown as SystemTimer;
    if ('immediate' in timer) clearImmediate(timer.immediate);
    else clearTimeout(timer.timeout);
  },
};
