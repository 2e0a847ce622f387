// Hashes of flow keys and entry digests for the flow cache (pure, deterministic on every node).
// Buckets and digests must agree byte for byte across the cluster, so they depend only on the
// table, the key bytes and the stateHash: two 32-bit multiplicative hashes (FNV-1a style with
// different primes and offsets) finished with MurmurHash3's fmix32 avalanche.
import type { Table } from '../model/record.js';

/** MurmurHash3 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SPLIT64 = new BigUint64Array(1);
const SPLIT32 = new Uint32Array(SPLIT64.buffer);
/** Index of the low half in SPLIT32 (platform byte order). */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** Two independent 32-bit hashes of (table, key); `first` chooses the bucket. */
export interface KeyHash {
  readonly first: number;
  readonly second: number;
}

export function hashKey(table: Table, key: Uint8Array): KeyHash {
  let a = 0x811c9dc5 ^ table;
  let b = 0x9747b28c ^ Math.imul(table, 0x27d4eb2f);
  for (let i = 0; i < key.length; i++) {
    const byte = key[i] as number;
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x5bd1e995);
  }
  a = fmix32(a ^ key.length);
  b = fmix32(b ^ Math.imul(key.length, 0x165667b1));
  return { first: a, second: b };
}

/** Bucket of a key among 2^bits buckets (top bits of the first hash). */
export function bucketOf(hash: KeyHash, bits: number): number {
  return bits === 0 ? 0 : hash.first >>> (32 - bits);
}

/**
 * 64-bit digest of one entry as two 32-bit halves. A bucket's digest is the sum (mod 2^32 per
 * half) of its entries' digests, so it is maintained in O(1) per set/delete and is independent of
 * insertion order. Equal keys with equal stateHash give equal digests on every node.
 */
export function entryDigest(hash: KeyHash, stateHash: bigint): { hi: number; lo: number } {
  // Assigning to a BigUint64Array wraps to 64 bits; the Uint32Array view splits without BigInt math.
  SPLIT64[0] = stateHash;
  const sLo = SPLIT32[LOW] as number;
  const sHi = SPLIT32[1 - LOW] as number;
  const lo = fmix32(hash.first ^ fmix32(sLo ^ fmix32(sHi + 0x9e3779b9)));
  const hi = fmix32(hash.second ^ fmix32(sHi ^ fmix32(sLo + 0x7f4a7c15)));
  return { hi, lo };
}

/** The high and low unsigned 32-bit halves of a stateHash (nothing allocated). */
export function stateHashHigh(stateHash: bigint): number {
  SPLIT64[0] = stateHash;
  return SPLIT32[1 - LOW] as number;
}

export function stateHashLow(stateHash: bigint): number {
  SPLIT64[0] = stateHash;
  return SPLIT32[LOW] as number;
}

/** The stateHash of its two halves. */
export function joinStateHash(hi: number, lo: number): bigint {
  SPLIT32[1 - LOW] = hi;
  SPLIT32[LOW] = lo;
  return SPLIT64[0] as bigint;
}

/** The 64-bit value of a digest pair, as carried on the wire. */
export function digestValue(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Whether two keys are the same bytes. */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
