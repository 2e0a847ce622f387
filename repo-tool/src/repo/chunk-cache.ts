// Cache of compressed index chunks, keyed by the SHA-256 of the chunk and the compressor
// settings (`kind`). On disk under ${XDG_CACHE_HOME:-$HOME/.cache}/half/index-chunks, so a
// publish that changes one package recompresses one chunk instead of the whole index. Each entry
// on disk carries the SHA-256 of its bytes in front of them: an entry damaged on disk (a flipped
// bit, a file a crash left empty) is a miss, never a piece of a signed index apt cannot read.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ChunkCache {
  get(kind: string, key: string): Promise<Uint8Array | undefined>;
  set(kind: string, key: string, value: Uint8Array): Promise<void>;
}

export class MemoryChunkCache implements ChunkCache {
  readonly entries = new Map<string, Uint8Array>();
  async get(kind: string, key: string): Promise<Uint8Array | undefined> {
    return this.entries.get(`${kind}/${key}`);
  }
  async set(kind: string, key: string, value: Uint8Array): Promise<void> {
    this.entries.set(`${kind}/${key}`, value);
  }
}

const DIGEST_BYTES = 32;
/** The layout of an entry on disk: its SHA-256, then its bytes. */
const ENTRY_FORMAT = 'sha256-v1';

function digest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export class DiskChunkCache implements ChunkCache {
  constructor(readonly dir: string) {}

  private path(kind: string, key: string): string {
    // entries with their digest live apart from the bare ones an older half-repo reads and writes
    return join(this.dir, ENTRY_FORMAT, kind, key.slice(0, 2), key);
  }

  async get(kind: string, key: string): Promise<Uint8Array | undefined> {
    let stored: Buffer;
    try {
      stored = await readFile(this.path(kind, key));
    } catch {
      return undefined;
    }
    if (stored.length < DIGEST_BYTES) return undefined;
    const bytes = stored.subarray(DIGEST_BYTES);
    if (!digest(bytes).equals(stored.subarray(0, DIGEST_BYTES))) return undefined;
    return new Uint8Array(bytes);
  }

  async set(kind: string, key: string, value: Uint8Array): Promise<void> {
    const path = this.path(kind, key);
    try {
      await mkdir(join(path, '..'), { recursive: true });
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, Buffer.concat([digest(value), value]));
      await rename(temp, path);
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}

/** ${XDG_CACHE_HOME:-$HOME/.cache}/half/index-chunks, from the given environment. */
export function defaultChunkCacheDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(home, '.cache');
  return join(base, 'half', 'index-chunks');
}
