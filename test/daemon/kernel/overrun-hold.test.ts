// OverrunHold: an event socket's overrun is reported only once a read has found the socket's
// queue empty after it, and nothing read before waits to be handled (the kernel drops events
// silently until then). The real kernel's side of it: test/daemon/integration/resilience.test.ts.
import { describe, expect, it } from 'vitest';
import { OverrunHold } from '../../../daemon/src/kernel/overrun-hold.js';

describe('OverrunHold', () => {
  it('holds an overrun until the queue was read empty after it and what was read is handled', () => {
    const hold = new OverrunHold();
    expect(hold.holding).toBe(false);
    hold.overran(1);
    expect(hold.holding).toBe(true);
    // ENOBUFS read, the queue not yet empty: the kernel still drops every event silently
    expect(hold.release(true)).toBe(0);
    hold.queueEmptied();
    // empty, but datagrams read before still wait to be handled
    expect(hold.release(false)).toBe(0);
    expect(hold.holding).toBe(true);
    expect(hold.release(true)).toBe(1);
    expect(hold.holding).toBe(false);
    expect(hold.release(true)).toBe(0);
  });

  it('a queue emptied before the overrun does not count: the next ENOBUFS waits for the next empty read', () => {
    const hold = new OverrunHold();
    hold.queueEmptied();
    hold.overran(1);
    expect(hold.release(true)).toBe(0);
    hold.overran(2);
    hold.queueEmptied();
    hold.overran(1); // another drop answered before the resync could begin
    expect(hold.release(true)).toBe(0);
    hold.queueEmptied();
    expect(hold.release(true)).toBe(4);
  });

  it('ignores counts of none', () => {
    const hold = new OverrunHold();
    hold.overran(0);
    hold.queueEmptied();
    expect(hold.holding).toBe(false);
    expect(hold.release(true)).toBe(0);
  });
});
