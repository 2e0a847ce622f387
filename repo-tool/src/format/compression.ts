// Compression of .deb members (deb(5): control.tar and data.tar may be uncompressed, gzip, xz
// or zstd compressed). Writing: xz (Debian's default), gzip or none, deterministic:
// - gzip (RFC 1952) through node:zlib, level 9 like dpkg-deb: header without name, mtime 0;
// - xz (.xz file format, tukaani.org/xz/xz-file-format.txt) through the `xz` binary, one
//   thread, CRC64, LZMA2 preset 6 with the dictionary capped to the input size (the same
//   compression for inputs up to 8 MiB, but far less memory to set up per process: ~3x faster
//   on small members), small members batched into few processes (xz-batch.ts).
// Reading also accepts zstd (through the `zstd` binary); small xz members are read in batches too
// (xz-decompress-batch.ts).
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { PackageFormatError, ToolError } from '../model/errors.js';
import { runFilter } from './filter-process.js';
import { xzCompress } from './xz-batch.js';
import { xzDecompressMember } from './xz-decompress-batch.js';

export type Compression = 'xz' | 'gzip' | 'none';
/** What the reader understands. */
export type Decompression = Compression | 'zstd';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Member name suffix: `control.tar` + suffix. */
export function compressionSuffix(compression: Decompression): string {
  return { xz: '.xz', gzip: '.gz', zstd: '.zst', none: '' }[compression];
}

/** The compression named by a member suffix (`.xz`, `.gz`, `.zst`, ``), or undefined. */
export function compressionOfSuffix(suffix: string): Decompression | undefined {
  return ({ '.xz': 'xz', '.gz': 'gzip', '.zst': 'zstd', '': 'none' } as const)[suffix as '.xz'];
}

const PRESET_6_DICT = 8 * 1024 * 1024;

/** LZMA2 dictionary: the smallest power of two holding the input, between 4 KiB and preset 6's 8 MiB. */
export function xzDictionarySize(inputSize: number): number {
  let dict = 4096;
  while (dict < inputSize && dict < PRESET_6_DICT) dict *= 2;
  return dict;
}

/** The xz options (without --stdout or file names): they alone decide the output bytes. */
export function xzArguments(inputSize: number): string[] {
  return ['--compress', '--quiet', '--format=xz', '--check=crc64', '--threads=1', `--lzma2=preset=6,dict=${xzDictionarySize(inputSize)}`];
}

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Compresses deterministically: the same bytes in give the same bytes out. */
export async function compress(data: Uint8Array, compression: Compression): Promise<Uint8Array> {
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
      return view(await gzipAsync(data, { level: 9 }));
    case 'xz':
      return xzCompress(data, xzArguments(data.byteLength));
  }
}

export interface DecompressOptions {
  /** What is being read, for error messages. */
  readonly source: string;
  /** Refuse outputs larger than this (decompression bombs); default 2 GiB. */
  readonly maxSize?: number;
}

/** Decompresses a member. Corrupt input → PackageFormatError naming `source`; missing tool → ToolError. */
export async function decompress(data: Uint8Array, compression: Decompression, options: DecompressOptions): Promise<Uint8Array> {
  const maxSize = options.maxSize ?? 2 ** 31;
  const corrupt = (detail: string, cause?: unknown): PackageFormatError =>
    new PackageFormatError(`${options.source}: cannot decompress (${detail})`, { hint: 'the member is damaged; rebuild or download the package again', cause });
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
      try {
        return view(await gunzipAsync(data, { maxOutputLength: maxSize }));
      } catch (error) {
        throw corrupt((error as Error).message, error);
      }
    case 'xz':
    case 'zstd': {
      const tool = compression;
      const result = tool === 'xz' ? await xzDecompressMember(data, maxSize) : await runFilter(tool, ['--decompress', '--stdout', '--quiet'], data, maxSize);
      if (result.ok) return result.output;
      if (result.failure.kind === 'missing') {
        throw new ToolError(`${tool} is needed to read ${options.source}`, { hint: `install it: apt-get install ${tool === 'xz' ? 'xz-utils' : 'zstd'}` });
      }
      throw corrupt(result.failure.message);
    }
  }
}
