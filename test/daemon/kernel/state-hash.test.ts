import { describe, expect, it } from 'vitest';
import { fnv1a64 } from '../../../daemon/src/kernel/state-hash.js';

function reference(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

describe('fnv1a64', () => {
  it('matches the published test vectors', () => {
    expect(fnv1a64(new Uint8Array())).toBe(0xcbf29ce484222325n);
    expect(fnv1a64(Buffer.from('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64(Buffer.from('foobar'))).toBe(0x85944171f73967e8n);
  });

  it('matches a BigInt reference on random input and honours the range', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: i * 3 }, () => Math.floor(Math.random() * 256));
      expect(fnv1a64(bytes)).toBe(reference(bytes));
      expect(fnv1a64(bytes, 1, Math.max(1, bytes.length - 1))).toBe(reference(bytes.subarray(1, Math.max(1, bytes.length - 1))));
    }
  });
});
