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
  let hi = 0xcbf29ce4 | 0;
  let lo = 0x84222325 | 0;
  for (let i = start; i < end; i++) {
    lo ^= bytes[i] as number;
    // (hi:lo) * (2^40 + 0x1b3) mod 2^64, in 32-bit integer steps: lo * 0x1b3 from its 16-bit
    // halves (each product < 2^25), its carry into hi, and lo << 40 landing in hi as lo << 8
    const a = (lo & 0xffff) * 0x1b3;
    const b = (lo >>> 16) * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + ((b + (a >>> 16)) >>> 16) + (lo << 8)) | 0;
    lo = ((b << 16) + a) | 0;
  }
  HALVES[LOW] = lo >>> 0;
  HALVES[1 - LOW] = hi >>> 0;
  return CELL[0] as bigint;
}
