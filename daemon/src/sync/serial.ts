// 32-bit sequence numbers with wraparound-safe comparisons: RFC 1982 serial number arithmetic
// (SERIAL_BITS = 32), as conntrack-tools' include/network.h before()/after() do it: compare the
// signed 32-bit difference. Two numbers exactly 2^31 apart are undefined in RFC 1982; here `a` is
// then "before" `b` in one direction only (the signed difference is -2^31), which callers avoid by
// keeping every window far below 2^31.

export const SEQ_MODULO = 0x1_0000_0000;

/** Wraps any integer into the 32-bit sequence space. */
export function seq32(value: number): number {
  return value >>> 0;
}

/** a + n in sequence space (n may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** Signed distance from b to a: positive when a is after b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqBefore(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqAfter(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

export function seqBeforeOrEqual(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

export function seqAfterOrEqual(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/** True when from <= value <= to in sequence order (the range going forward from `from`). */
export function seqInRange(value: number, from: number, to: number): boolean {
  return seqDiff(value, from) >= 0 && seqDiff(to, value) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqAfter(a, b) ? a : b;
}
