import { describe, expect, it } from 'vitest';
import type { BucketScope } from '../../../daemon/src/cache/bucket-scope.js';
import { Reader } from '../../../daemon/src/wire/reader.js';
import { readScope, scopeBytes, writeScope } from '../../../daemon/src/wire/scope-codec.js';

function roundTrip(scope: BucketScope): { bytes: Buffer; back: BucketScope | undefined } {
  const bytes = Buffer.alloc(scopeBytes(scope));
  expect(writeScope(bytes, 0, scope)).toBe(bytes.length);
  return { bytes, back: readScope(new Reader(bytes)) };
}

describe('scope codec', () => {
  it('encodes all buckets in one byte', () => {
    expect(roundTrip({ full: true })).toEqual({ bytes: Buffer.from([0]), back: { full: true } });
  });

  it('uses a list for a few buckets and a bitmap for many, whichever is shorter', () => {
    const few = roundTrip({ full: false, buckets: [2, 700] });
    expect(few.bytes[0]).toBe(1);
    expect(few.bytes.length).toBe(3 + 4);
    expect(few.back).toEqual({ full: false, buckets: [2, 700] });
    const buckets = Array.from({ length: 600 }, (_, i) => i + 100);
    const many = roundTrip({ full: false, buckets });
    expect(many.bytes[0]).toBe(2);
    expect(many.bytes.length).toBe(3 + Math.ceil(700 / 8));
    expect(many.back).toEqual({ full: false, buckets });
  });

  it('handles the highest bucket of 2^16', () => {
    expect(roundTrip({ full: false, buckets: [0, 65535] }).back).toEqual({ full: false, buckets: [0, 65535] });
  });

  it('rejects a bitmap that names a bucket of 2^16 or more (no encoder could write it back)', () => {
    const bitmap = (bytes: number): Buffer => {
      const out = Buffer.alloc(3 + bytes);
      out.writeUInt8(2, 0);
      out.writeUInt16BE(bytes, 1);
      out[2 + bytes] = 0x80; // the last bit: bucket 8 * bytes - 1
      return out;
    };
    const widest = readScope(new Reader(bitmap(8192)));
    expect(widest).toEqual({ full: false, buckets: [65535] });
    const again = Buffer.alloc(scopeBytes(widest as BucketScope));
    expect(() => writeScope(again, 0, widest as BucketScope)).not.toThrow();
    expect(readScope(new Reader(bitmap(8193)))).toBeUndefined();
    expect(readScope(new Reader(bitmap(8751)))).toBeUndefined();
  });

  it('rejects unknown kinds and short input', () => {
    expect(readScope(new Reader(Buffer.from([3])))).toBeUndefined();
    expect(readScope(new Reader(Buffer.from([1, 0, 2, 0, 1])))).toBeUndefined();
    expect(readScope(new Reader(Buffer.from([])))).toBeUndefined();
  });
});
