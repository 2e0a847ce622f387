// One gzip member (RFC 1952) from independently deflated pieces (RFC 1951): each piece is a
// raw deflate stream ended by a sync flush (byte-aligned, no final block), so pieces can be
// concatenated; one empty final block closes the stream, and the trailer carries the CRC-32
// and length of the whole text. Same idea as pigz; single-member output, because not every
// reader of Packages.gz follows concatenated members. Pure.
import { constants, deflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';

/** gzip header: no name, mtime 0, XFL 2 (best compression), OS 3 (Unix), as `gzip -9n`. */
const HEADER = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0x03]);
/** A final fixed-Huffman block with only the end-of-block code. */
const FINAL_BLOCK = Uint8Array.from([0x03, 0x00]);

/** Deflates one piece so it can be followed by others. */
export function deflatePiece(chunk: Uint8Array): Uint8Array {
  return new Uint8Array(deflateRawSync(chunk, { level: 9, finishFlush: constants.Z_SYNC_FLUSH }));
}

/** The gzip file for `content`, given its pieces deflated in order by deflatePiece. */
export function joinGzipPieces(pieces: readonly Uint8Array[], content: Uint8Array): Uint8Array {
  const bodyLength = pieces.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(HEADER.length + bodyLength + FINAL_BLOCK.length + 8);
  out.set(HEADER, 0);
  let at = HEADER.length;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  out.set(FINAL_BLOCK, at);
  at += FINAL_BLOCK.length;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, crc32(content), true);
  view.setUint32(at + 4, content.length % 2 ** 32, true);
  return out;
}
