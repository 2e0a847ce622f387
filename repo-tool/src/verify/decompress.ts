// Decompression of published indexes (verify, the pool scan of `clean`): the .deb reader's own
// (format/compression.ts: gzip through zlib, xz through the `xz` binary with its memory limit),
// with a limit of its own: an index is held whole to be parsed, so one that decompresses beyond
// INDEX_LIMIT (a damaged or hostile repository's bomb) is refused before it is.
import { decompress, type Decompression } from '../format/compression.js';

/**
 * The most an index may decompress to: 512 MiB, some eight times Debian's largest Packages file
 * (main, amd64); a HALF repository's are a few KiB.
 */
export const INDEX_LIMIT = 512 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

function decompressAs(compression: Decompression, path: string, data: Uint8Array): Promise<Uint8Array> {
  return decompress(data, compression, { source: path, maxSize: INDEX_LIMIT });
}

/** Decompresses by file name suffix (.gz, .xz); other names are returned as they are. */
export async function decompressByName(path: string, data: Uint8Array): Promise<Uint8Array> {
  if (path.endsWith('.gz')) return decompressAs('gzip', path, data);
  if (path.endsWith('.xz')) return decompressAs('xz', path, data);
  return data;
}

/** Decompresses by the bytes' magic (gzip, xz: by-hash names carry no suffix); others as they are. */
export async function decompressByMagic(path: string, data: Uint8Array): Promise<Uint8Array> {
  if (startsWith(data, GZIP_MAGIC)) return decompressAs('gzip', path, data);
  if (startsWith(data, XZ_MAGIC)) return decompressAs('xz', path, data);
  return data;
}
