// Joins independently compressed .xz streams into ONE stream with one block per piece.
// Spec: The .xz File Format 1.2.x (tukaani.org): stream header (magic, flags, CRC32), blocks,
// index (indicator, record count, per block unpadded and uncompressed sizes as VLIs, padding,
// CRC32), stream footer (CRC32, backward size, flags, "YZ"). apt's reader stops after the
// first stream of a file, so concatenated streams are not an option; one stream of many
// blocks is what `xz -T` writes too. Pure: bytes in, bytes out.
import { crc32 } from './crc32.js';

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC = [0x59, 0x5a];
const CHECK_CRC64 = 0x04;

export interface XzRecord {
  readonly unpaddedSize: number;
  readonly uncompressedSize: number;
}

export interface XzPiece {
  /** Stream flags byte 1: the check type. */
  readonly checkType: number;
  /** The blocks, each padded to a multiple of four bytes, as they sit in the stream. */
  readonly blocks: Uint8Array;
  readonly records: readonly XzRecord[];
}

function readVli(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const b = bytes[offset + i];
    if (b === undefined) throw new Error('xz: truncated index');
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, offset + i + 1];
  }
  throw new Error('xz: variable-length integer too long');
}

function writeVli(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function readU32le(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) | ((bytes[offset + 1] as number) << 8) | ((bytes[offset + 2] as number) << 16) | ((bytes[offset + 3] as number) << 24)) >>> 0;
}

/** Splits a single-stream .xz file (as `xz -c` writes it) into its blocks and index records. */
export function parseXzStream(xz: Uint8Array): XzPiece {
  if (xz.length < 24 || MAGIC.some((b, i) => xz[i] !== b)) throw new Error('xz: not an .xz stream');
  const checkType = xz[7] as number;
  const end = xz.length;
  if (xz[end - 2] !== FOOTER_MAGIC[0] || xz[end - 1] !== FOOTER_MAGIC[1]) throw new Error('xz: stream footer missing (padding or a second stream?)');
  const indexSize = (readU32le(xz, end - 8) + 1) * 4;
  const indexStart = end - 12 - indexSize;
  if (indexStart < 12 || xz[indexStart] !== 0x00) throw new Error('xz: index not found');
  if (crc32(xz.subarray(indexStart, end - 16)) !== readU32le(xz, end - 16)) throw new Error('xz: index CRC32 mismatch');
  let [count, at] = readVli(xz, indexStart + 1);
  const records: XzRecord[] = [];
  let blocksSize = 0;
  for (; count > 0; count--) {
    const [unpaddedSize, a] = readVli(xz, at);
    const [uncompressedSize, b] = readVli(xz, a);
    at = b;
    records.push({ unpaddedSize, uncompressedSize });
    blocksSize += Math.ceil(unpaddedSize / 4) * 4;
  }
  if (12 + blocksSize !== indexStart) throw new Error('xz: block sizes do not add up to the index position');
  return { checkType, blocks: xz.subarray(12, indexStart), records };
}

/** One .xz stream holding every piece's blocks, in order. Pieces must share a check type. */
export function joinXzPieces(pieces: readonly XzPiece[]): Uint8Array {
  const checkType = pieces[0]?.checkType ?? CHECK_CRC64;
  if (pieces.some((p) => p.checkType !== checkType)) throw new Error('xz: pieces use different check types');
  const flags = [0x00, checkType];
  const header = [...MAGIC, ...flags, ...u32le(crc32(Uint8Array.from(flags)))];
  const index: number[] = [0x00];
  const records = pieces.flatMap((p) => p.records);
  writeVli(records.length, index);
  for (const r of records) {
    writeVli(r.unpaddedSize, index);
    writeVli(r.uncompressedSize, index);
  }
  while (index.length % 4 !== 0) index.push(0x00);
  index.push(...u32le(crc32(Uint8Array.from(index))));
  const backward = u32le(index.length / 4 - 1);
  const footer = [...u32le(crc32(Uint8Array.from([...backward, ...flags]))), ...backward, ...flags, ...FOOTER_MAGIC];
  const blocksLength = pieces.reduce((n, p) => n + p.blocks.length, 0);
  const out = new Uint8Array(header.length + blocksLength + index.length + footer.length);
  out.set(header, 0);
  let at = header.length;
  for (const p of pieces) {
    out.set(p.blocks, at);
    at += p.blocks.length;
  }
  out.set(index, at);
  out.set(footer, at + index.length);
  return out;
}
