// 64-bit FNV-1a over bytes, computed in two 32-bit halves (no BigInt per byte): the stateHash
// of records, identical on every node for identical replica bytes.
//
// Spec: FNV-1a (Fowler, Noll, Vo; IETF draft-eastlake-fnv): offset basis 0xcbf29ce484222325,
// prime 0x100000001b3 = 2^40 + 0x1b3.

// The halves become one bigint through a shared 64-bit cell: one allocation, not four.
const CELL = new BigUint64Array(1);
const HALVES = new Uint32Array(CELL.buffer);
/** Index of the low half in HALVES (platform byte order). */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

export function fnv1a64(bytes: Uint8Array, start = 0, end = bytes.length): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = start; i < end; i++) {
    lo = (lo ^ (bytes[i] as number)) >>> 0;
    // (hi:lo) * (2^40 + 0x1b3) mod 2^64
    const loProduct = lo * 0x1b3;
    const carry = Math.floor(loProduct / 0x1_0000_0000);
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = loProduct >>> 0;
    hi = newHi;
  }
  HALVES[LOW] = lo;
  HALVES[1 - LOW] = hi;
  return CELL[0] as bigint;
}
