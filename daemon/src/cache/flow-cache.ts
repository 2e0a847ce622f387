// One generic flow cache, keyed by (table, key bytes), holding the record, its last-update time
// and its origin node. Entries live in 2^bucketBits hash buckets, each with an incrementally
// maintained 64-bit digest, so anti-entropy compares whole tables by bucket in O(buckets) and
// repairs only what differs. Mark-and-sweep serves resyncs: a resync marks the covered buckets,
// every set clears the mark, and the end of the resync sweeps what is still marked.
// Model: conntrack-tools' src/cache.c (one cache type, internal and external instances).
//
// Layout: nothing per entry is a JavaScript object. An entry is a slot number; its fields are
// columns of typed arrays, its key and payload bytes sit in a RecordArena, a hash index (open
// chaining over a power-of-two table of slot numbers) finds it by key, and each bucket is a
// doubly linked list of slots. Records are made on the way out (get, values, delete, sweep), as
// views of the arena's bytes, which never change while a view lives. A table of 200k entries is
// then a few dozen large buffers: V8's young generation has nothing to copy when entries arrive,
// which at 10k new flows per second was what paused the daemon longest (docs/benchmarks.md).
// The arena is compacted by maintain(), which the sync node calls every tick: at once when no
// entry was deleted or replaced since the last call, otherwise at most COMPACT_DEFER_MS later.
// Compacting after every delete moved about one surviving entry per delete during a flush (the
// chunks all fall to half live together, and the moved entries are deleted next); waiting for
// the quiet lets go of the emptied chunks without moving anything.
import type { FlowRecord, Table } from '../model/record.js';
import { ConfigError } from '../errors.js';
import type { BucketScope } from './bucket-scope.js';
import { scopeBuckets } from './bucket-scope.js';
import { bucketOf, digestValue, entryDigest, hashKey, stateHashHigh, stateHashLow } from './key-hash.js';
import { ENTRY_HEADER, RecordArena, recordIn, type ArenaOwner } from './record-arena.js';
import { RecordSnapshot } from './record-snapshot.js';

export interface CachedFlow {
  readonly record: FlowRecord;
  /** Clock time (ms) of the last set. */
  readonly updatedAt: number;
  /** Node id the record came from (our own id in the internal cache). */
  readonly origin: number;
  readonly bucket: number;
}

/** What identifies an entry. */
export interface FlowKey {
  readonly table: Table;
  readonly key: Uint8Array;
}

export const DEFAULT_BUCKET_BITS = 10;

const NONE = -1;
const INITIAL_SLOTS = 1024;
/** The longest maintain() puts off a compaction while entries keep being deleted or replaced (ms). */
export const COMPACT_DEFER_MS = 2000;

/** Per-slot columns; grown together by doubling. */
class Columns {
  hash1: Uint32Array;
  hash2: Uint32Array;
  table: Uint8Array;
  chunk: Uint32Array;
  offset: Uint32Array;
  keyLength: Uint16Array;
  payloadLength: Uint32Array;
  updatedAt: Float64Array;
  origin: Float64Array;
  digestHi: Uint32Array;
  digestLo: Uint32Array;
  stateHi: Uint32Array;
  stateLo: Uint32Array;
  mark: Uint32Array;
  /** Index chain (and the free list); bucket list neighbours. */
  next: Int32Array;
  bucketNext: Int32Array;
  bucketPrev: Int32Array;
  /** Bumped when a slot is freed: a snapshot of slot numbers notices reuse. */
  generation: Uint32Array;

  constructor(readonly capacity: number, from?: Columns) {
    const grow = <T extends { set(a: ArrayLike<number>): void }>(make: new (n: number) => T, old: T | undefined): T => {
      const column = new make(capacity);
      if (old !== undefined) column.set(old as unknown as ArrayLike<number>);
      return column;
    };
    this.hash1 = grow(Uint32Array, from?.hash1);
    this.hash2 = grow(Uint32Array, from?.hash2);
    this.table = grow(Uint8Array, from?.table);
    this.chunk = grow(Uint32Array, from?.chunk);
    this.offset = grow(Uint32Array, from?.offset);
    this.keyLength = grow(Uint16Array, from?.keyLength);
    this.payloadLength = grow(Uint32Array, from?.payloadLength);
    this.updatedAt = grow(Float64Array, from?.updatedAt);
    this.origin = grow(Float64Array, from?.origin);
    this.digestHi = grow(Uint32Array, from?.digestHi);
    this.digestLo = grow(Uint32Array, from?.digestLo);
    this.stateHi = grow(Uint32Array, from?.stateHi);
    this.stateLo = grow(Uint32Array, from?.stateLo);
    this.mark = grow(Uint32Array, from?.mark);
    this.next = grow(Int32Array, from?.next);
    this.bucketNext = grow(Int32Array, from?.bucketNext);
    this.bucketPrev = grow(Int32Array, from?.bucketPrev);
    this.generation = grow(Uint32Array, from?.generation);
  }
}

export class FlowCache implements ArenaOwner {
  readonly bucketBits: number;
  readonly bucketCount: number;
  private readonly digestHi: Uint32Array;
  private readonly digestLo: Uint32Array;
  private readonly bucketHead: Int32Array;
  private readonly perTable: number[] = [];
  private columns = new Columns(INITIAL_SLOTS);
  private index = new Int32Array(2 * INITIAL_SLOTS).fill(NONE);
  private readonly arena: RecordArena;
  private freeSlot = NONE;
  /** Slots ever used (the rest of the columns is untouched). */
  private highWater = 0;
  private entryCount = 0;
  /** Entries deleted or replaced since the last maintain(); when the arena last compacted. */
  private releasedSinceMaintain = 0;
  private compactedAt = Number.NEGATIVE_INFINITY;
  private entriesMoved = 0;

  /** `arenaChunkBytes`: size of the arena's chunks (tests make them small). */
  constructor(options: { readonly bucketBits?: number; readonly arenaChunkBytes?: number } = {}) {
    const bits = options.bucketBits ?? DEFAULT_BUCKET_BITS;
    if (!Number.isInteger(bits) || bits < 0 || bits > 16) {
      throw new ConfigError(`flow cache bucketBits ${bits} is out of range`, {
        hint: 'use an integer from 0 to 16 (the default is 10: 1024 buckets)',
      });
    }
    this.bucketBits = bits;
    this.bucketCount = 1 << bits;
    this.digestHi = new Uint32Array(this.bucketCount);
    this.digestLo = new Uint32Array(this.bucketCount);
    this.bucketHead = new Int32Array(this.bucketCount).fill(NONE);
    this.arena = new RecordArena(this, options.arenaChunkBytes);
  }

  /** Buffers the arena holds (right after a compaction, about twice the live bytes). */
  get arenaChunks(): number {
    return this.arena.chunkCount;
  }

  /** Entries the arena has moved while compacting, ever (what a compaction costs; tests read it). */
  get movedEntries(): number {
    return this.entriesMoved;
  }

  get size(): number {
    return this.entryCount;
  }

  /**
   * Housekeeping at clock time `now` (ms), called regularly (the sync node's tick): compacts the
   * arena when nothing was deleted or replaced since the last call, or when the last compaction is
   * COMPACT_DEFER_MS old.
   */
  maintain(now: number): void {
    const quiet = this.releasedSinceMaintain === 0;
    this.releasedSinceMaintain = 0;
    if (!quiet && now - this.compactedAt < COMPACT_DEFER_MS) return;
    this.compactedAt = now;
    this.compact();
  }

  /** Moves the live entries out of the chunks that fell to half live or less, and lets those go. */
  compact(): void {
    this.arena.compact();
  }

  count(table: Table): number {
    return this.perTable[table] ?? 0;
  }

  bucketFor(table: Table, key: Uint8Array): number {
    return bucketOf(hashKey(table, key), this.bucketBits);
  }

  get(table: Table, key: Uint8Array): CachedFlow | undefined {
    const slot = this.find(table, key);
    return slot === NONE ? undefined : this.flowAt(slot);
  }

  /** Inserts or replaces a record; clears its resync mark. */
  set(record: FlowRecord, origin: number, now: number): 'added' | 'updated' {
    const hash = hashKey(record.table, record.key);
    const digest = entryDigest(hash, record.stateHash);
    const bucket = bucketOf(hash, this.bucketBits);
    let slot = this.findHashed(hash.first, hash.second, record.table, record.key);
    const replaced = slot !== NONE;
    let oldChunk = 0;
    let oldOffset = 0;
    if (replaced) {
      this.unaccount(bucket, slot);
      oldChunk = this.columns.chunk[slot] as number;
      oldOffset = this.columns.offset[slot] as number;
    } else slot = this.newSlot(hash.first, hash.second, record.table, bucket);
    const columns = this.columns;
    this.arena.append(slot, record.key, record.payload);
    columns.chunk[slot] = this.arena.lastChunk;
    columns.offset[slot] = this.arena.lastOffset;
    columns.keyLength[slot] = record.key.length;
    columns.payloadLength[slot] = record.payload.length;
    columns.updatedAt[slot] = now;
    columns.origin[slot] = origin;
    columns.digestHi[slot] = digest.hi;
    columns.digestLo[slot] = digest.lo;
    columns.stateHi[slot] = stateHashHigh(record.stateHash);
    columns.stateLo[slot] = stateHashLow(record.stateHash);
    columns.mark[slot] = 0;
    this.account(bucket, slot);
    if (replaced) {
      this.arena.release(oldChunk, oldOffset);
      this.releasedSinceMaintain++;
    }
    return replaced ? 'updated' : 'added';
  }

  /** Removes an entry; false when there was none. */
  delete(table: Table, key: Uint8Array): boolean {
    const slot = this.find(table, key);
    if (slot === NONE) return false;
    this.remove(slot);
    return true;
  }

  clear(): void {
    this.columns = new Columns(INITIAL_SLOTS);
    this.index = new Int32Array(2 * INITIAL_SLOTS).fill(NONE);
    this.arena.clear();
    this.bucketHead.fill(NONE);
    this.digestHi.fill(0);
    this.digestLo.fill(0);
    this.perTable.length = 0;
    this.freeSlot = NONE;
    this.highWater = 0;
    this.entryCount = 0;
    this.releasedSinceMaintain = 0;
  }

  *values(): IterableIterator<CachedFlow> {
    for (let bucket = 0; bucket < this.bucketCount; bucket++) yield* this.bucketValues(bucket);
  }

  /** The entries of one bucket as they were when iteration began (less those deleted since). */
  *bucketValues(bucket: number): IterableIterator<CachedFlow> {
    if (bucket < 0 || bucket >= this.bucketCount) return;
    const slots: number[] = [];
    for (let slot = this.bucketHead[bucket] as number; slot !== NONE; slot = this.columns.bucketNext[slot] as number) slots.push(slot);
    const generations = slots.map((slot) => this.columns.generation[slot] as number);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number;
      if (this.columns.generation[slot] === generations[i]) yield this.flowAt(slot);
    }
  }

  /** Every entry as it is now, in bucket order; records are made when asked for (record-snapshot.ts). */
  snapshot(): RecordSnapshot {
    const c = this.columns;
    const out = new RecordSnapshot(this.entryCount, this.arena.chunkList());
    let i = 0;
    for (let bucket = 0; bucket < this.bucketCount; bucket++) {
      for (let slot = this.bucketHead[bucket] as number; slot !== NONE; slot = c.bucketNext[slot] as number, i++) {
        out.chunk[i] = c.chunk[slot] as number;
        out.start[i] = (c.offset[slot] as number) + ENTRY_HEADER;
        out.keyLength[i] = c.keyLength[slot] as number;
        out.payloadLength[i] = c.payloadLength[slot] as number;
        out.table[i] = c.table[slot] as number;
        out.stateHi[i] = c.stateHi[slot] as number;
        out.stateLo[i] = c.stateLo[slot] as number;
      }
    }
    return out;
  }

  /** Snapshot of the keys in a scope, for a paced resync (look each up again when its turn comes). */
  keysIn(scope: BucketScope): FlowKey[] {
    const out: FlowKey[] = [];
    for (const bucket of scopeBuckets(scope, this.bucketCount)) {
      for (let slot = this.bucketHead[bucket] ?? NONE; slot !== NONE; slot = this.columns.bucketNext[slot] as number) {
        out.push({ table: this.columns.table[slot] as Table, key: this.keyAt(slot) });
      }
    }
    return out;
  }

  /** 64-bit digest of one bucket (0 for an empty bucket). */
  bucketDigest(bucket: number): bigint {
    return digestValue(this.digestHi[bucket] ?? 0, this.digestLo[bucket] ?? 0);
  }

  /** Tags every entry in scope with `tag` (non-zero); returns how many were tagged. */
  mark(scope: BucketScope, tag: number): number {
    let marked = 0;
    for (const bucket of scopeBuckets(scope, this.bucketCount)) {
      for (let slot = this.bucketHead[bucket] ?? NONE; slot !== NONE; slot = this.columns.bucketNext[slot] as number) {
        this.columns.mark[slot] = tag;
        marked++;
      }
    }
    return marked;
  }

  /** Deletes every entry in scope still tagged `tag`; returns the deleted records. */
  sweep(scope: BucketScope, tag: number): FlowRecord[] {
    const doomed: number[] = [];
    for (const bucket of scopeBuckets(scope, this.bucketCount)) {
      for (let slot = this.bucketHead[bucket] ?? NONE; slot !== NONE; slot = this.columns.bucketNext[slot] as number) {
        if (this.columns.mark[slot] === tag) doomed.push(slot);
      }
    }
    return doomed.map((slot) => {
      const record = this.recordAt(slot);
      this.remove(slot);
      return record;
    });
  }

  /** ArenaOwner: whether the live entry of `slot` sits at (chunk, offset). */
  holds(slot: number, chunk: number, offset: number): boolean {
    const c = this.columns;
    return slot < this.highWater && c.table[slot] !== 0 && c.chunk[slot] === chunk && c.offset[slot] === offset;
  }

  /** ArenaOwner: the entry of `slot` moved. */
  moved(slot: number, chunk: number, offset: number): void {
    this.entriesMoved++;
    this.columns.chunk[slot] = chunk;
    this.columns.offset[slot] = offset;
  }

  private find(table: Table, key: Uint8Array): number {
    const hash = hashKey(table, key);
    return this.findHashed(hash.first, hash.second, table, key);
  }

  private findHashed(first: number, second: number, table: Table, key: Uint8Array): number {
    const c = this.columns;
    let slot = this.index[second & (this.index.length - 1)] as number;
    while (slot !== NONE && !(c.hash1[slot] === first && c.hash2[slot] === second && c.table[slot] === table && this.keyIs(slot, key))) slot = c.next[slot] as number;
    return slot;
  }

  private keyIs(slot: number, key: Uint8Array): boolean {
    const c = this.columns;
    if (c.keyLength[slot] !== key.length) return false;
    const bytes = this.arena.chunk(c.chunk[slot] as number);
    const start = (c.offset[slot] as number) + ENTRY_HEADER;
    for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key[i]) return false;
    return true;
  }

  private keyAt(slot: number): Uint8Array {
    const start = (this.columns.offset[slot] as number) + ENTRY_HEADER;
    return this.arena.view(this.columns.chunk[slot] as number, start, start + (this.columns.keyLength[slot] as number));
  }

  private recordAt(slot: number): FlowRecord {
    const c = this.columns;
    const start = (c.offset[slot] as number) + ENTRY_HEADER;
    return recordIn(this.arena.chunk(c.chunk[slot] as number), start, c.keyLength[slot] as number, c.payloadLength[slot] as number, c.table[slot] as Table, c.stateHi[slot] as number, c.stateLo[slot] as number);
  }

  private flowAt(slot: number): CachedFlow {
    const c = this.columns;
    return { record: this.recordAt(slot), updatedAt: c.updatedAt[slot] as number, origin: c.origin[slot] as number, bucket: this.bucketOfSlot(slot) };
  }

  /** A slot for a new entry, linked into the index and its bucket (its bytes are set by the caller). */
  private newSlot(first: number, second: number, table: Table, bucket: number): number {
    let slot = this.freeSlot;
    if (slot !== NONE) this.freeSlot = this.columns.next[slot] as number;
    else {
      if (this.highWater === this.columns.capacity) this.grow();
      slot = this.highWater++;
    }
    const c = this.columns;
    c.hash1[slot] = first;
    c.hash2[slot] = second;
    c.table[slot] = table;
    const at = second & (this.index.length - 1);
    c.next[slot] = this.index[at] as number;
    this.index[at] = slot;
    const head = this.bucketHead[bucket] as number;
    c.bucketPrev[slot] = NONE;
    c.bucketNext[slot] = head;
    if (head !== NONE) c.bucketPrev[head] = slot;
    this.bucketHead[bucket] = slot;
    this.entryCount++;
    this.perTable[table] = this.count(table) + 1;
    return slot;
  }

  private remove(slot: number): void {
    const c = this.columns;
    const bucket = this.bucketOfSlot(slot);
    this.unaccount(bucket, slot);
    // out of the index chain
    const at = (c.hash2[slot] as number) & (this.index.length - 1);
    if (this.index[at] === slot) this.index[at] = c.next[slot] as number;
    else {
      let previous = this.index[at] as number;
      while (c.next[previous] !== slot) previous = c.next[previous] as number;
      c.next[previous] = c.next[slot] as number;
    }
    // out of the bucket list
    const before = c.bucketPrev[slot] as number;
    const after = c.bucketNext[slot] as number;
    if (before === NONE) this.bucketHead[bucket] = after;
    else c.bucketNext[before] = after;
    if (after !== NONE) c.bucketPrev[after] = before;
    const table = c.table[slot] as Table;
    this.perTable[table] = this.count(table) - 1;
    this.entryCount--;
    c.table[slot] = 0;
    c.generation[slot] = ((c.generation[slot] as number) + 1) >>> 0;
    c.next[slot] = this.freeSlot;
    this.freeSlot = slot;
    this.arena.release(c.chunk[slot] as number, c.offset[slot] as number);
    this.releasedSinceMaintain++;
  }

  private bucketOfSlot(slot: number): number {
    return this.bucketBits === 0 ? 0 : (this.columns.hash1[slot] as number) >>> (32 - this.bucketBits);
  }

  /** Doubles the columns and rebuilds the index at twice the slot count. */
  private grow(): void {
    const old = this.columns;
    const columns = new Columns(old.capacity * 2, old);
    const index = new Int32Array(columns.capacity * 2).fill(NONE);
    for (let slot = 0; slot < this.highWater; slot++) {
      const at = (columns.hash2[slot] as number) & (index.length - 1);
      columns.next[slot] = index[at] as number;
      index[at] = slot;
    }
    // (called only when no slot is free: there is no free list to carry over)
    this.columns = columns;
    this.index = index;
  }

  private account(bucket: number, slot: number): void {
    this.digestHi[bucket] = ((this.digestHi[bucket] as number) + (this.columns.digestHi[slot] as number)) >>> 0;
    this.digestLo[bucket] = ((this.digestLo[bucket] as number) + (this.columns.digestLo[slot] as number)) >>> 0;
  }

  private unaccount(bucket: number, slot: number): void {
    this.digestHi[bucket] = ((this.digestHi[bucket] as number) - (this.columns.digestHi[slot] as number)) >>> 0;
    this.digestLo[bucket] = ((this.digestLo[bucket] as number) - (this.columns.digestLo[slot] as number)) >>> 0;
  }
}
