// The bytes of cached records (key, then payload) in large append-only chunks, so a cache of
// hundreds of thousands of entries is a few dozen buffers instead of several JavaScript objects
// per entry: the young generation of V8's heap no longer has to copy every new entry it sees
// (at 10k new flows per second those copies were the daemon's longest pauses).
//
// Each entry is an 8-byte header (owner slot u32, byte length u32) and its bytes. Bytes are never
// overwritten: a replaced or deleted entry only lowers its chunk's live count, so a view handed out
// earlier stays valid for as long as it is referenced. A chunk that is no longer being filled and
// has fallen to half live or less is queued; compact(), which the owner calls once its own
// bookkeeping is consistent again (never inside append or release: an entry the owner has not
// yet pointed at, or still points at, would be lost or kept twice), moves the live entries of the
// queued chunks to the active chunk and lets go of them. At most half a chunk is copied, and only
// after at least as many bytes were freed; right after a compaction memory is within about twice
// the live bytes. When to compact is the owner's choice (the flow cache waits for a quiet moment:
// entries moved during a mass delete would mostly be deleted next).
import type { FlowRecord, Table } from '../model/record.js';
import { joinStateHash } from './key-hash.js';

export interface ArenaOwner {
  /** Whether the entry of `slot` is the one at (chunk, offset). */
  holds(slot: number, chunk: number, offset: number): boolean;
  /** The entry of `slot` now lives at (chunk, offset). */
  moved(slot: number, chunk: number, offset: number): void;
}

export const ENTRY_HEADER = 8;

/** Bytes [start, end) of a chunk as a plain Uint8Array view (what records carry). */
export function chunkView(chunk: Buffer, start: number, end: number): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset + start, end - start);
}

/** The record whose key starts at `start` in `chunk`, its payload right behind it (views of the bytes). */
export function recordIn(chunk: Buffer, start: number, keyLength: number, payloadLength: number, table: Table, stateHi: number, stateLo: number): FlowRecord {
  const keyEnd = start + keyLength;
  return { table, key: chunkView(chunk, start, keyEnd), payload: chunkView(chunk, keyEnd, keyEnd + payloadLength), stateHash: joinStateHash(stateHi, stateLo) };
}

export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export class RecordArena {
  private chunks: (Buffer | undefined)[] = [];
  /** Live bytes (headers included) and written bytes per chunk. */
  private live: number[] = [];
  private used: number[] = [];
  private spareIds: number[] = [];
  /** Chunks to look at in compact(), and whether each is queued. */
  private queue: number[] = [];
  private queued: boolean[] = [];
  private active = -1;
  /** Where the last append wrote (chunk, offset of its header). */
  lastChunk = 0;
  lastOffset = 0;

  constructor(
    private readonly owner: ArenaOwner,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  /** Chunks held (for tests and status). */
  get chunkCount(): number {
    return this.chunks.length - this.spareIds.length;
  }

  /** The chunk holding an entry (entries start at offset + ENTRY_HEADER). */
  chunk(index: number): Buffer {
    return this.chunks[index] as Buffer;
  }

  /** The chunks as they are now (a copy of the list: the buffers themselves never change). */
  chunkList(): (Buffer | undefined)[] {
    return [...this.chunks];
  }

  /** Bytes [start, end) of a chunk as a plain Uint8Array view (what records carry). */
  view(index: number, start: number, end: number): Uint8Array {
    return chunkView(this.chunks[index] as Buffer, start, end);
  }

  /** Appends `key` then `payload` for `slot`; the place is in lastChunk / lastOffset. */
  append(slot: number, key: Uint8Array, payload: Uint8Array): void {
    const length = key.length + payload.length;
    const at = this.reserve(ENTRY_HEADER + length);
    const chunk = this.chunks[this.lastChunk] as Buffer;
    chunk.writeUInt32LE(slot, at);
    chunk.writeUInt32LE(length, at + 4);
    chunk.set(key, at + ENTRY_HEADER);
    chunk.set(payload, at + ENTRY_HEADER + key.length);
  }

  /** The entry at (chunk, offset) is no longer needed. */
  release(chunk: number, offset: number): void {
    const bytes = this.chunks[chunk];
    if (bytes === undefined) return;
    this.live[chunk] = (this.live[chunk] as number) - ENTRY_HEADER - bytes.readUInt32LE(offset + 4);
    this.enqueue(chunk);
  }

  /** Evacuates the queued chunks that are half live or less (the owner's places must be current). */
  compact(): void {
    for (let chunk = this.queue.pop(); chunk !== undefined; chunk = this.queue.pop()) {
      this.queued[chunk] = false;
      const bytes = this.chunks[chunk];
      if (bytes !== undefined && chunk !== this.active && (this.live[chunk] as number) * 2 <= bytes.length) this.evacuate(chunk, bytes);
    }
  }

  clear(): void {
    this.chunks = [];
    this.live = [];
    this.used = [];
    this.spareIds = [];
    this.queue = [];
    this.queued = [];
    this.active = -1;
  }

  /** Room for `bytes` in the active chunk (a new one when it is full); returns the offset. */
  private reserve(bytes: number): number {
    let at = this.active < 0 ? Infinity : (this.used[this.active] as number);
    if (at + bytes > (this.chunks[this.active]?.length ?? 0)) {
      const previous = this.active;
      this.active = this.newChunk(Math.max(this.chunkBytes, bytes));
      at = 0;
      if (previous >= 0) this.enqueue(previous);
    }
    this.used[this.active] = at + bytes;
    this.live[this.active] = (this.live[this.active] as number) + bytes;
    this.lastChunk = this.active;
    this.lastOffset = at;
    return at;
  }

  private newChunk(size: number): number {
    const id = this.spareIds.pop() ?? this.chunks.length;
    this.chunks[id] = Buffer.allocUnsafeSlow(size);
    this.live[id] = 0;
    this.used[id] = 0;
    return id;
  }

  private enqueue(chunk: number): void {
    if (this.queued[chunk] === true || chunk === this.active) return;
    const bytes = this.chunks[chunk];
    if (bytes === undefined || (this.live[chunk] as number) * 2 > bytes.length) return;
    this.queued[chunk] = true;
    this.queue.push(chunk);
  }

  private evacuate(chunk: number, bytes: Buffer): void {
    // an empty chunk (a mass delete's) is let go without a look at its entries
    const end = this.live[chunk] === 0 ? 0 : (this.used[chunk] as number);
    // drop it first: appends below go to the active chunk, never to this one
    this.chunks[chunk] = undefined;
    for (let at = 0; at < end; ) {
      const slot = bytes.readUInt32LE(at);
      const size = ENTRY_HEADER + bytes.readUInt32LE(at + 4);
      if (this.owner.holds(slot, chunk, at)) {
        const to = this.reserve(size);
        bytes.copy(this.chunks[this.lastChunk] as Buffer, to, at, at + size);
        this.owner.moved(slot, this.lastChunk, to);
      }
      at += size;
    }
    this.live[chunk] = 0;
    this.used[chunk] = 0;
    this.spareIds.push(chunk);
  }
}
