// The nap before a drain (daemon/src/kernel/wake-pacer.ts): none for a slow stream or after a
// quiet spell, the short nap from a few thousand datagrams a second, the long one for bulk
// streams; the rate is measured over whole windows.
import { describe, expect, it } from 'vitest';
import { GATHER_MS, NAP_MS, WakePacer } from '../../../daemon/src/kernel/wake-pacer.js';

/** Wakes every `everyMs` from `from` for `forMs`, each reading `perWake` datagrams; the last wake's nap. */
function stream(pacer: WakePacer, from: number, forMs: number, everyMs: number, perWake: number): number {
  let nap = 0;
  for (let t = from; t < from + forMs; t += everyMs) {
    nap = pacer.napFor(t);
    pacer.count(perWake);
  }
  return nap;
}

describe('WakePacer', () => {
  it('does not nap for the first wake, nor for a slow stream (1k datagrams/s)', () => {
    const pacer = new WakePacer();
    expect(pacer.napFor(1000)).toBe(0);
    pacer.count(1);
    expect(stream(pacer, 1001, 200, 1, 1)).toBe(0);
  });

  it('naps briefly from a few thousand datagrams a second, longer for a bulk stream', () => {
    const pacer = new WakePacer();
    expect(stream(pacer, 1000, 100, 0.2, 1)).toBe(NAP_MS); // 5k/s
    expect(stream(pacer, 1100, 100, 0.2, 20)).toBe(GATHER_MS); // 100k/s
  });

  it('forgets the rate after a quiet spell of two windows', () => {
    const pacer = new WakePacer();
    expect(stream(pacer, 1000, 100, 0.2, 20)).toBe(GATHER_MS);
    expect(pacer.napFor(1200)).toBe(0);
  });
});
