// Content-defined chunking (a gear rolling hash, as in FastCDC): cut points depend only on
// the bytes near them, so a change in one package's stanza changes one or two chunks of a
// Packages file and the other compressed chunks can be reused. Pure and deterministic: the
// gear table comes from a fixed seed.

export interface ChunkingOptions {
  readonly minSize: number;
  readonly maxSize: number;
  /** A cut needs (hash & mask) === 0 after minSize; mask = 2^k - 1 gives ~2^k extra bytes. */
  readonly mask: number;
}

/** ~400 KiB chunks on real Packages text: xz loses ~12 % against one stream, and a chunk recompresses in ~70 ms. */
export const INDEX_CHUNKING: ChunkingOptions = { minSize: 256 * 1024, maxSize: 1024 * 1024, mask: (1 << 16) - 1 };

const GEAR = (() => {
  const gear = new Uint32Array(256);
  let state = 0x48414c46; // "HALF"
  for (let i = 0; i < 256; i++) {
    // splitmix32
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    gear[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return gear;
})();

/** End offsets (exclusive) of each chunk; the last one is data.length. Empty input: no chunks. */
export function chunkBoundaries(data: Uint8Array, options: ChunkingOptions = INDEX_CHUNKING): number[] {
  const ends: number[] = [];
  let start = 0;
  const n = data.length;
  while (start < n) {
    const limit = Math.min(n, start + options.maxSize);
    let i = start + options.minSize;
    if (i >= limit) {
      ends.push(limit);
      start = limit;
      continue;
    }
    let hash = 0;
    // Warm the hash over the 32 bytes before the first candidate, so cuts depend on content only.
    for (let j = Math.max(start, i - 32); j < i; j++) hash = ((hash << 1) + (GEAR[data[j] as number] as number)) >>> 0;
    let end = limit;
    for (; i < limit; i++) {
      hash = ((hash << 1) + (GEAR[data[i] as number] as number)) >>> 0;
      if ((hash & options.mask) === 0) {
        end = i + 1;
        break;
      }
    }
    ends.push(end);
    start = end;
  }
  return ends;
}

/** The chunks themselves (views into data). */
export function chunksOf(data: Uint8Array, options: ChunkingOptions = INDEX_CHUNKING): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const end of chunkBoundaries(data, options)) {
    chunks.push(data.subarray(start, end));
    start = end;
  }
  return chunks;
}
