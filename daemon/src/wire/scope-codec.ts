// Encoding of a BucketScope inside a body:
//   u8 kind: 0 = all buckets; 1 = list: u16 count, count x u16 bucket (ascending);
//            2 = bitmap: u16 byte length, bit i (LSB first within each byte) = bucket i.
// The encoder picks the shorter of list and bitmap. Buckets are below 2^16 (bucketBits <= 16).
import type { BucketScope } from '../cache/bucket-scope.js';
import { FULL_SCOPE, bucketScope } from '../cache/bucket-scope.js';
import type { Reader } from './reader.js';

export function scopeBytes(scope: BucketScope): number {
  if (scope.full) return 1;
  return 3 + Math.min(2 * scope.buckets.length, bitmapLength(scope.buckets));
}

export function writeScope(target: Buffer, offset: number, scope: BucketScope): number {
  if (scope.full) return target.writeUInt8(0, offset);
  const buckets = scope.buckets;
  const bitmap = bitmapLength(buckets);
  if (2 * buckets.length <= bitmap) {
    let at = target.writeUInt8(1, offset);
    at = target.writeUInt16BE(buckets.length, at);
    for (const bucket of buckets) at = target.writeUInt16BE(bucket, at);
    return at;
  }
  let at = target.writeUInt8(2, offset);
  at = target.writeUInt16BE(bitmap, at);
  target.fill(0, at, at + bitmap);
  for (const bucket of buckets) target[at + (bucket >> 3)] = (target[at + (bucket >> 3)] as number) | (1 << (bucket & 7));
  return at + bitmap;
}

/** Bytes of a bitmap of every bucket below 2^16. */
const MAX_BITMAP_BYTES = 1 << 13;

/** Reads a scope; undefined when malformed (unknown kind, unsorted list, short input, a bucket of 2^16 or more). */
export function readScope(reader: Reader): BucketScope | undefined {
  const kind = reader.u8();
  if (kind === 0) return FULL_SCOPE;
  if (kind === 1) {
    const count = reader.u16();
    if (count === undefined) return undefined;
    const buckets: number[] = [];
    for (let i = 0; i < count; i++) {
      const bucket = reader.u16();
      if (bucket === undefined) return undefined;
      const previous = buckets[buckets.length - 1];
      if (previous !== undefined && bucket <= previous) return undefined;
      buckets.push(bucket);
    }
    return { full: false, buckets };
  }
  if (kind === 2) {
    const length = reader.u16();
    // a longer bitmap names buckets of 2^16 and above, which no encoder can write back (a
    // resync of such a scope threw from the sender's timer: a peer with the key stopped the daemon)
    if (length === undefined || length > MAX_BITMAP_BYTES) return undefined;
    const bytes = reader.bytes(length);
    if (bytes === undefined) return undefined;
    const buckets: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) buckets.push(i * 8 + bit);
    }
    return bucketScope(buckets);
  }
  return undefined;
}

function bitmapLength(buckets: readonly number[]): number {
  const last = buckets[buckets.length - 1];
  return last === undefined ? 0 : (last >> 3) + 1;
}
