import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflatePiece, joinGzipPieces } from '../../../repo-tool/src/repo/gzip-join.js';

describe('gzip joining', () => {
  it('makes one gzip member that gzip and zlib decode, with the CRC and length of the whole text', () => {
    const parts = ['alpha\n'.repeat(1000), 'beta\n', 'gamma '.repeat(3000)].map((p) => new TextEncoder().encode(p));
    const content = Buffer.concat(parts);
    const gz = joinGzipPieces(parts.map(deflatePiece), content);
    expect(execFileSync('gzip', ['-dc'], { input: gz }).equals(content)).toBe(true);
    expect(Buffer.from(gunzipSync(gz)).equals(content)).toBe(true);
    execFileSync('gzip', ['-t'], { input: gz });
    // One member: the header appears once.
    expect(Buffer.from(gz).indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 1)).toBe(-1);
  });
});
