// Compression of index files (Packages, Sources, Contents): .gz through zlib, .xz through the
// `xz` binary, both chunked (chunking.ts) so unchanged chunks come from a cache. The output
// depends only on the content (chunk cuts are content-defined, settings are fixed), so the same
// index gives the same bytes whether or not the cache was warm.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ToolError } from '../model/errors.js';
import type { ChunkCache } from './chunk-cache.js';
import { chunksOf } from './chunking.js';
import { deflatePiece, joinGzipPieces } from './gzip-join.js';
import { joinXzPieces, parseXzStream } from './xz-join.js';
import type { XzPiece } from './xz-join.js';

/** The role the planner compresses through. */
export interface IndexCompressor {
  gzip(content: Uint8Array): Promise<Uint8Array>;
  xz(content: Uint8Array): Promise<Uint8Array>;
}

/** Preset 6 with a dictionary no bigger than a chunk: same output as -6, an eighth of the memory. */
const XZ_ARGS = ['-T1', '--lzma2=preset=6,dict=1MiB', '-c', '-q'];
const XZ_KIND = 'xz-6-d1m';
const GZ_KIND = 'deflate-9-sync';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function runXz(chunk: Uint8Array, xzPath: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(xzPath, XZ_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (cause) => reject(new ToolError(`cannot run ${xzPath} to compress an index`, { cause, hint: 'install xz-utils (apt-get install xz-utils)' })));
    child.on('close', (code) => {
      if (code === 0) resolve(new Uint8Array(Buffer.concat(out)));
      else reject(new ToolError(`${xzPath} failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`, { hint: 'check that xz-utils works on this machine' }));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(chunk);
  });
}

/** At most `limit` tasks at a time. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    while (active >= limit) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export interface ChunkedCompressorOptions {
  readonly xzPath?: string;
  readonly concurrency?: number;
}

export class ChunkedIndexCompressor implements IndexCompressor {
  private readonly xzPath: string;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Chunks and their keys per content buffer: gzip and xz of one index cut and hash it once. */
  private readonly chunked = new WeakMap<Uint8Array, { chunks: Uint8Array[]; keys: string[] }>();
  /** Counters, for tests and progress output. */
  readonly stats = { chunks: 0, xzRuns: 0, deflates: 0 };

  constructor(private readonly cache: ChunkCache, options: ChunkedCompressorOptions = {}) {
    this.xzPath = options.xzPath ?? 'xz';
    this.limit = limiter(options.concurrency ?? Math.max(1, availableParallelism()));
  }

  async gzip(content: Uint8Array): Promise<Uint8Array> {
    const { chunks, keys } = this.chunksOf(content);
    const pieces = await Promise.all(chunks.map((chunk, i) => this.piece(GZ_KIND, keys[i] as string, async () => {
      this.stats.deflates++;
      return deflatePiece(chunk);
    })));
    return joinGzipPieces(pieces, content);
  }

  async xz(content: Uint8Array): Promise<Uint8Array> {
    const { chunks, keys } = this.chunksOf(content);
    const streams = await Promise.all(chunks.map((chunk, i) => this.piece(XZ_KIND, keys[i] as string, () => this.limit(async () => {
      this.stats.xzRuns++;
      return runXz(chunk, this.xzPath);
    }), (bytes) => parseXzStream(bytes).records.reduce((n, r) => n + r.uncompressedSize, 0) === chunk.length)));
    const pieces: XzPiece[] = streams.map((s) => parseXzStream(s));
    return joinXzPieces(pieces);
  }

  private chunksOf(content: Uint8Array): { chunks: Uint8Array[]; keys: string[] } {
    let result = this.chunked.get(content);
    if (result === undefined) {
      const chunks = chunksOf(content);
      result = { chunks, keys: chunks.map(sha256) };
      this.chunked.set(content, result);
    }
    return result;
  }

  private async piece(kind: string, key: string, make: () => Promise<Uint8Array>, valid: (b: Uint8Array) => boolean = () => true): Promise<Uint8Array> {
    this.stats.chunks++;
    const cached = await this.cache.get(kind, key);
    if (cached !== undefined) {
      try {
        if (valid(cached)) return cached;
      } catch {
        // A damaged cache entry: compress again.
      }
    }
    const made = await make();
    await this.cache.set(kind, key, made);
    return made;
  }
}
