import { describe, expect, it } from 'vitest';
import { chunkBoundaries, chunksOf } from '../../../repo-tool/src/repo/chunking.js';
import { fakePackages } from './helpers/text.js';

const OPTIONS = { minSize: 4096, maxSize: 32768, mask: (1 << 12) - 1 };

describe('content-defined chunking', () => {
  it('cuts within the size limits, covers the input exactly and is deterministic', () => {
    const data = new TextEncoder().encode(fakePackages(800));
    const ends = chunkBoundaries(data, OPTIONS);
    expect(ends.at(-1)).toBe(data.length);
    let start = 0;
    for (const [i, end] of ends.entries()) {
      const size = end - start;
      expect(size).toBeLessThanOrEqual(OPTIONS.maxSize);
      if (i < ends.length - 1) expect(size).toBeGreaterThanOrEqual(OPTIONS.minSize);
      start = end;
    }
    expect(chunkBoundaries(data, OPTIONS)).toEqual(ends);
    expect(Buffer.concat(chunksOf(data, OPTIONS))).toEqual(Buffer.from(data));
    expect(chunkBoundaries(new Uint8Array(), OPTIONS)).toEqual([]);
  });

  it('keeps the cuts after an insertion, shifted by its length', () => {
    const text = fakePackages(800);
    const at = text.indexOf('Package: pkg00400');
    const inserted = 'Package: new\nVersion: 1\n\n';
    const before = chunkBoundaries(new TextEncoder().encode(text), OPTIONS);
    const after = chunkBoundaries(new TextEncoder().encode(text.slice(0, at) + inserted + text.slice(at)), OPTIONS);
    const shifted = new Set(after.map((e) => e - inserted.length));
    const kept = before.filter((e) => e > at + OPTIONS.maxSize && shifted.has(e));
    const later = before.filter((e) => e > at + OPTIONS.maxSize);
    expect(later.length).toBeGreaterThan(3);
    expect(kept).toEqual(later);
  });
});
