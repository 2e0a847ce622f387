import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { joinXzPieces, parseXzStream } from '../../../repo-tool/src/repo/xz-join.js';

const xz = (text: string) => new Uint8Array(execFileSync('xz', ['-T1', '-c'], { input: text }));
const unxz = (bytes: Uint8Array) => execFileSync('xz', ['-dc'], { input: bytes }).toString();

describe('xz stream joining', () => {
  it('makes one stream that xz decodes to the pieces in order, with one index record per block', () => {
    const parts = ['first piece\n', 'second piece, a little longer\n'.repeat(50), 'third\n'];
    const joined = joinXzPieces(parts.map((p) => parseXzStream(xz(p))));
    expect(unxz(joined)).toBe(parts.join(''));
    expect(parseXzStream(joined).records.map((r) => r.uncompressedSize)).toEqual(parts.map((p) => p.length));
    execFileSync('xz', ['-t'], { input: joined });
  });

  it('joins nothing into a valid empty stream and refuses what is not one stream', () => {
    expect(unxz(joinXzPieces([]))).toBe('');
    expect(() => parseXzStream(new TextEncoder().encode('not xz at all, not at all'))).toThrow(/not an \.xz stream/);
    const two = new Uint8Array([...xz('a'), ...xz('b')]);
    expect(() => parseXzStream(two)).toThrow(/block sizes do not add up|index/);
  });
});
