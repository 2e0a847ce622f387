import { describe, expect, it } from 'vitest';
import { seqAdd, seqAfter, seqAfterOrEqual, seqBefore, seqBeforeOrEqual, seqDiff, seqInRange, seqMax } from '../../../daemon/src/sync/serial.js';

const MAX = 0xffffffff;

describe('RFC 1982 sequence arithmetic', () => {
  it('orders numbers across the 2^32 wrap', () => {
    expect(seqBefore(MAX, 0)).toBe(true);
    expect(seqAfter(0, MAX)).toBe(true);
    expect(seqBefore(MAX - 1000, 5)).toBe(true);
    expect(seqAfter(5, MAX - 1000)).toBe(true);
    expect(seqDiff(3, MAX - 2)).toBe(6);
    expect(seqDiff(MAX - 2, 3)).toBe(-6);
    expect(seqAdd(MAX, 1)).toBe(0);
    expect(seqAdd(2, -3)).toBe(MAX);
    expect(seqMax(MAX, 1)).toBe(1);
  });

  it('agrees with plain comparison on a walk through the wrap', () => {
    let previous = MAX - 5000;
    for (let i = 0; i < 10000; i++) {
      const next = seqAdd(previous, 1);
      expect(seqAfter(next, previous)).toBe(true);
      expect(seqBefore(previous, next)).toBe(true);
      expect(seqDiff(next, MAX - 5000)).toBe(i + 1);
      previous = next;
    }
  });

  it('compares equal numbers as neither before nor after', () => {
    expect(seqBefore(7, 7) || seqAfter(7, 7)).toBe(false);
    expect(seqBeforeOrEqual(7, 7) && seqAfterOrEqual(7, 7)).toBe(true);
  });

  it('treats ranges across the wrap as contiguous', () => {
    expect(seqInRange(0, MAX - 1, 3)).toBe(true);
    expect(seqInRange(MAX, MAX - 1, 3)).toBe(true);
    expect(seqInRange(4, MAX - 1, 3)).toBe(false);
    expect(seqInRange(MAX - 2, MAX - 1, 3)).toBe(false);
  });

  it('flips at half the space (the RFC 1982 horizon)', () => {
    expect(seqAfter(0x7fffffff, 0)).toBe(true);
    expect(seqAfter(0x80000001, 0)).toBe(false);
    expect(seqBefore(0x80000001, 0)).toBe(true);
  });
});
