// Compression of .deb members (deb(5): control.tar and data.tar may be uncompressed, gzip, xz
// or zstd compressed). Writing: xz (Debian's default), gzip or none, deterministic:
// - gzip (RFC 1952) through node:zlib, level 9 like dpkg-deb: header without name, mtime 0;
// - xz (.xz file format, tukaani.org/xz/xz-file-format.txt) through the `xz` binary, one
//   thread, CRC64, LZMA2 preset 6 with the dictionary capped to the input size (the same
//   compression for inputs up to 8 MiB, but far less memory to set up per process: ~3x faster
//   on small members), small members batched into few processes (xz-batch.ts).
// Reading also accepts zstd (through the `zstd` binary); small xz members are read in batches too
// (xz-decompress-batch.ts). Reading streams (decompressChunks): a member is never held whole
// unless a caller collects it (decompress), and one above MAX_DECOMPRESSED_SIZE is refused.
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import { PackageFormatError, ToolError } from '../model/errors.js';
import { FilterError, filterOutput, type FilterResult } from './filter-process.js';
import { xzCompress } from './xz-batch.js';
import { XZ_DECOMPRESS_ARGS, XZ_MEMORY_LIMIT, xzDecompressBatched } from './xz-decompress-batch.js';

export type Compression = 'xz' | 'gzip' | 'none';
/** What the reader understands. */
export type Decompression = Compression | 'zstd';

const gzipAsync = promisify(gzip);

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
  /** Refuse outputs larger than this (decompression bombs); default MAX_DECOMPRESSED_SIZE. */
  readonly maxSize?: number;
}

/** The most one member may decompress to, unless the caller says otherwise: 2 GiB. */
export const MAX_DECOMPRESSED_SIZE = 2 ** 31;
/** What to do about a member refused for its size (here, and by the tar reader for what headers declare). */
export const TOO_LARGE_HINT = 'a member this large is taken for a decompression bomb; if the package is genuine, split its files into several packages';

/** `2147483648 bytes (2 GiB)`: a limit as exact bytes, and readable. */
export function bytesLimit(bytes: number): string {
  const [unit, size] = bytes >= 2 ** 30 ? ['GiB', 2 ** 30] : bytes >= 2 ** 20 ? ['MiB', 2 ** 20] : [undefined, 1];
  return unit === undefined ? `${bytes} bytes` : `${bytes} bytes (${Number((bytes / size).toFixed(1))} ${unit})`;
}

/** Bytes handed on at a time when a member is not compressed. */
const PLAIN_CHUNK = 1 << 16;

/**
 * Decompresses a member as a stream: chunks as they come, so that what is in memory at once is
 * bounded (a pipe's or zlib's buffer, or a batched small xz member) whatever the member
 * decompresses to. Corrupt input → PackageFormatError naming `source`; output beyond `maxSize`
 * → PackageFormatError naming `source` and the limit; missing tool → ToolError. Stopping early
 * (`break`, `return()`) stops the tool. A small xz member joins this tick's batch at once, so the
 * members of many .debs asked for together share xz runs even when they are read one by one.
 */
export function decompressChunks(data: Uint8Array, compression: Decompression, options: DecompressOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const batched = compression === 'xz' ? xzDecompressBatched(data, options.maxSize ?? MAX_DECOMPRESSED_SIZE) : undefined;
  return memberChunks(data, compression, options, batched);
}

async function* memberChunks(data: Uint8Array, compression: Decompression, options: DecompressOptions, batched: Promise<FilterResult> | undefined): AsyncGenerator<Uint8Array, void, undefined> {
  const maxSize = options.maxSize ?? MAX_DECOMPRESSED_SIZE;
  const corrupt = (detail: string, cause?: unknown): PackageFormatError =>
    new PackageFormatError(`${options.source}: cannot decompress (${detail})`, { hint: 'the member is damaged; rebuild or download the package again', cause });
  const tooLarge = (tool: string): PackageFormatError =>
    new PackageFormatError(`${options.source}: refused, its ${tool} output exceeds ${bytesLimit(maxSize)}, the most one member may decompress to`, { hint: TOO_LARGE_HINT });
  switch (compression) {
    case 'none':
      if (data.byteLength > maxSize) throw tooLarge('uncompressed');
      for (let at = 0; at < data.byteLength; at += PLAIN_CHUNK) yield data.subarray(at, at + PLAIN_CHUNK);
      return;
    case 'gzip': {
      const gunzip = createGunzip();
      gunzip.end(data);
      let length = 0;
      try {
        for await (const chunk of gunzip as AsyncIterable<Buffer>) {
          length += chunk.byteLength;
          if (length > maxSize) throw tooLarge('gzip');
          yield view(chunk);
        }
      } catch (error) {
        if (error instanceof PackageFormatError) throw error;
        throw corrupt((error as Error).message, error);
      } finally {
        gunzip.destroy();
      }
      return;
    }
    case 'xz':
    case 'zstd': {
      const tool = compression;
      try {
        if (batched !== undefined) {
          const result = await batched;
          if (!result.ok) throw new FilterError(result.failure);
          yield result.output;
        } else {
          yield* filterOutput(tool, tool === 'xz' ? XZ_DECOMPRESS_ARGS : ['--decompress', '--stdout', '--quiet'], data, maxSize);
        }
      } catch (error) {
        if (!(error instanceof FilterError)) throw error;
        if (error.failure.kind === 'missing') throw new ToolError(`${tool} is needed to read ${options.source}`, { hint: `install it: apt-get install ${tool === 'xz' ? 'xz-utils' : 'zstd'}` });
        if (error.failure.kind === 'too-large') throw tooLarge(tool);
        // xz: "Memory usage limit reached"; zstd: "Frame requires too much memory for decoding"
        if (/memory usage limit|too much memory/i.test(error.failure.message)) {
          throw new PackageFormatError(`${options.source}: refused, ${tool} would need more memory to decompress it than it may use (${tool === 'xz' ? XZ_MEMORY_LIMIT : "zstd's default 128 MiB"}): ${error.failure.message}`, {
            hint: `its ${tool === 'xz' ? 'dictionary' : 'window'} is larger than dpkg-deb ever makes; rebuild the package with dpkg-deb`,
            cause: error,
          });
        }
        throw corrupt(error.failure.message, error);
      }
    }
  }
}

/** Decompresses a member into memory (small members, tests); as decompressChunks, collected. */
export async function decompress(data: Uint8Array, compression: Decompression, options: DecompressOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of decompressChunks(data, compression, options)) chunks.push(chunk);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : view(Buffer.concat(chunks));
}
