// CRC-32 (ISO 3309 / ITU-T V.42, the polynomial gzip (RFC 1952 §8) and xz use).
// zlib's native implementation when Node has it (20.15+), a table otherwise.
import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array, initial: number): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~initial >>> 0;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function crc32(data: Uint8Array, initial = 0): number {
  return native !== undefined ? native(data, initial) >>> 0 : tableCrc32(data, initial);
}
