// The uncompressed size an .xz file declares, read from its Index without decompressing
// (tukaani.org/xz/xz-file-format.txt: §2.1.2 Stream Footer, §4 Index, §1.2 multibyte integers).
// Only a file that is exactly one Stream (no Stream Padding, no second Stream) and whose Index
// accounts for every byte before it gets an answer; anything else gets undefined and is left to
// xz itself. xz checks the Index against the Blocks while decompressing, so a file that lies
// here fails there. Pure.

const HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const HEADER_SIZE = 12;
const FOOTER_SIZE = 12;

/** A multibyte integer (7 bits per byte, at most 9 bytes) at `pos`: [value, next position]. */
function multibyte(bytes: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const byte = bytes[pos + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return byte === 0 && i > 0 ? undefined : [value, pos + i + 1];
  }
  return undefined;
}

export function xzUncompressedSize(data: Uint8Array): number | undefined {
  const end = data.byteLength;
  if (end < HEADER_SIZE + FOOTER_SIZE || !HEADER_MAGIC.every((b, i) => data[i] === b)) return undefined;
  if (data[end - 2] !== 0x59 || data[end - 1] !== 0x5a) return undefined; // 'YZ'
  const view = new DataView(data.buffer, data.byteOffset, end);
  const indexSize = (view.getUint32(end - 8, true) + 1) * 4; // Backward Size
  const indexStart = end - FOOTER_SIZE - indexSize;
  if (indexStart < HEADER_SIZE || data[indexStart] !== 0x00) return undefined; // Index Indicator
  const count = multibyte(data, indexStart + 1);
  if (count === undefined) return undefined;
  let [records, pos] = count;
  let blocks = 0;
  let total = 0;
  for (; records > 0; records--) {
    const unpadded = multibyte(data, pos);
    if (unpadded === undefined) return undefined;
    const uncompressed = multibyte(data, unpadded[1]);
    if (uncompressed === undefined || unpadded[0] < 5) return undefined; // below liblzma's UNPADDED_SIZE_MIN
    blocks += Math.ceil(unpadded[0] / 4) * 4;
    total += uncompressed[0];
    pos = uncompressed[1];
    if (pos > end - FOOTER_SIZE) return undefined;
  }
  // the records end where the Index Padding (zeros to a multiple of four) and CRC32 fill the rest
  const padded = indexStart + Math.ceil((pos - indexStart) / 4) * 4;
  if (padded + 4 !== indexStart + indexSize || data.subarray(pos, padded).some((b) => b !== 0)) return undefined;
  // the Blocks fill the space between the Stream Header and the Index exactly
  if (HEADER_SIZE + blocks !== indexStart || !Number.isSafeInteger(total)) return undefined;
  return total;
}
