// One generic flow cache, keyed by (table, key bytes), holding the record, its last-update time
// and its origin node. Entries live in 2^bucketBits hash buckets, each with an incrementally
// maintained 64-bit digest, so anti-entropy compares whole tables by bucket in O(buckets) and
// repairs only what differs. Mark-and-sweep serves resyncs: a resync marks the covered buckets,
// every set clears the mark, and the end of the resync sweeps what is still marked.
// Model: conntrack-tools' src/cache.c (one cache type, internal and external instances).
//
// Layout: nothing per entry is a JavaScript object. An entry is a slot number; its fields are a
// row of 32-bit words in one typed array (Slots, below), its key and payload bytes sit in a
// RecordArena, a hash index (open chaining over a power-of-two table of slot numbers) finds it
// by key, and each bucket is a doubly linked list of slots. Records are made on the way out
// (get, values, sweep), as views of the arena's bytes, which never change while a view lives.
// A table of 200k entries is then a few dozen large buffers: V8's young generation has nothing
// to copy when entries arrive, which at 10k new flows per second was what paused the daemon
// longest (docs/benchmarks.md).
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
  /** Clock time (ms) of the last set that changed the entry's state (a set of the same state keeps it). */
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

// A slot's fields, as 32-bit words of one row (SLOT_WORDS words: a cache line). A lookup and an
// unlink touch one row per slot instead of one line per column: with 200k entries each line is a
// cache miss, and a column per field made a delete some fifteen of them. The words a lookup
// reads come first (a row may straddle two lines when the buffer is not 64-byte aligned).
const HASH1 = 0;
const HASH2 = 1;
const TABLE = 2;
const KEY_LENGTH = 3;
const CHUNK = 4;
const OFFSET = 5;
/** Index chain (and the free list); bucket list neighbours (signed: NONE is -1). */
const NEXT = 6;
const BUCKET_NEXT = 7;
const BUCKET_PREV = 8;
const DIGEST_HI = 9;
const DIGEST_LO = 10;
/** Bumped when a slot is freed: a snapshot of slot numbers notices reuse. */
const GENERATION = 11;
const PAYLOAD_LENGTH = 12;
const STATE_HI = 13;
const STATE_LO = 14;
const MARK = 15;
const SLOT_WORDS = 16;

/** Per-slot rows (unsigned and signed views of one buffer), and the two clock-time fields; grown together by doubling. */
class Slots {
  readonly word: Uint32Array;
  readonly link: Int32Array;
  /** updatedAt, origin (two per slot): read only when a record is made. */
  readonly times: Float64Array;

  constructor(readonly capacity: number, from?: Slots) {
    const buffer = new ArrayBuffer(capacity * SLOT_WORDS * 4);
    this.word = new Uint32Array(buffer);
    this.link = new Int32Array(buffer);
    this.times = new Float64Array(capacity * 2);
    if (from !== undefined) {
      this.word.set(from.word);
      this.times.set(from.times);
    }
  }
}

export class FlowCache implements ArenaOwner {
  readonly bucketBits: number;
  readonly bucketCount: number;
  private readonly digestHi: Uint32Array;
  private readonly digestLo: Uint32Array;
  private readonly bucketHead: Int32Array;
  private readonly perTable: number[] = [];
  private slots = new Slots(INITIAL_SLOTS);
  private index = new Int32Array(2 * INITIAL_SLOTS).fill(NONE);
  private readonly arena: RecordArena;
  private freeSlot = NONE;
  /** Slots ever used (the rows beyond are untouched). */
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

  has(table: Table, key: Uint8Array): boolean {
    return this.find(table, key) !== NONE;
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
      oldChunk = this.slots.word[slot * SLOT_WORDS + CHUNK] as number;
      oldOffset = this.slots.word[slot * SLOT_WORDS + OFFSET] as number;
    } else slot = this.newSlot(hash.first, hash.second, record.table, bucket);
    const { word, times } = this.slots;
    const row = slot * SLOT_WORDS;
    // a set of the state it holds already (a resync's) is no change: its time stays
    const unchanged = replaced && word[row + STATE_HI] === stateHashHigh(record.stateHash) && word[row + STATE_LO] === stateHashLow(record.stateHash);
    this.arena.append(slot, record.key, record.payload);
    word[row + CHUNK] = this.arena.lastChunk;
    word[row + OFFSET] = this.arena.lastOffset;
    word[row + KEY_LENGTH] = record.key.length;
    word[row + PAYLOAD_LENGTH] = record.payload.length;
    if (!unchanged) times[slot * 2] = now;
    times[slot * 2 + 1] = origin;
    word[row + DIGEST_HI] = digest.hi;
    word[row + DIGEST_LO] = digest.lo;
    word[row + STATE_HI] = stateHashHigh(record.stateHash);
    word[row + STATE_LO] = stateHashLow(record.stateHash);
    word[row + MARK] = 0;
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
    this.slots = new Slots(INITIAL_SLOTS);
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
    for (let slot = this.bucketHead[bucket] as number; slot !== NONE; slot = this.slots.link[slot * SLOT_WORDS + BUCKET_NEXT] as number) slots.push(slot);
    const generations = slots.map((slot) => this.generationOf(slot));
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as number;
      if (this.generationOf(slot) === generations[i]) yield this.flowAt(slot);
    }
  }

  /** Every entry as it is now, in bucket order; records are made when asked for (record-snapshot.ts). */
  snapshot(): RecordSnapshot {
    const { word, link } = this.slots;
    const out = new RecordSnapshot(this.entryCount, this.arena.chunkList(), this.bucketCount);
    let i = 0;
    for (let bucket = 0; bucket < this.bucketCount; bucket++) {
      out.bucketStart[bucket] = i;
      for (let slot = this.bucketHead[bucket] as number; slot !== NONE; slot = link[slot * SLOT_WORDS + BUCKET_NEXT] as number, i++) {
        const row = slot * SLOT_WORDS;
        out.chunk[i] = word[row + CHUNK] as number;
        out.start[i] = (word[row + OFFSET] as number) + ENTRY_HEADER;
        out.keyLength[i] = word[row + KEY_LENGTH] as number;
        out.payloadLength[i] = word[row + PAYLOAD_LENGTH] as number;
        out.table[i] = word[row + TABLE] as number;
        out.stateHi[i] = word[row + STATE_HI] as number;
        out.stateLo[i] = word[row + STATE_LO] as number;
      }
    }
    out.bucketStart[this.bucketCount] = i;
    return out;
  }

  /** Snapshot of the keys in a scope, for a paced resync (look each up again when its turn comes). */
  keysIn(scope: BucketScope): FlowKey[] {
    const out: FlowKey[] = [];
    for (const bucket of scopeBuckets(scope, this.bucketCount)) {
      for (let slot = this.bucketHead[bucket] ?? NONE; slot !== NONE; slot = this.slots.link[slot * SLOT_WORDS + BUCKET_NEXT] as number) {
        out.push({ table: this.slots.word[slot * SLOT_WORDS + TABLE] as Table, key: this.keyAt(slot) });
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
    if (scope.full) {
      // every live row, in memory order (no walk of the bucket lists)
      const { word } = this.slots;
      for (let row = 0; row < this.highWater * SLOT_WORDS; row += SLOT_WORDS) {
        if (word[row + TABLE] === 0) continue;
        word[row + MARK] = tag;
        marked++;
      }
      return marked;
    }
    for (const bucket of scopeBuckets(scope, this.bucketCount)) {
      for (let slot = this.bucketHead[bucket] ?? NONE; slot !== NONE; slot = this.slots.link[slot * SLOT_WORDS + BUCKET_NEXT] as number) {
        this.slots.word[slot * SLOT_WORDS + MARK] = tag;
        marked++;
      }
    }
    return marked;
  }

  /**
   * Whether the entry held for `record`'s key has its state ('same', and its `tag` is then
   * cleared: a reconcile found it current), another state ('changed'), or is not held ('absent').
   */
  settle(record: FlowRecord, tag: number): 'same' | 'changed' | 'absent' {
    const slot = this.find(record.table, record.key);
    if (slot === NONE) return 'absent';
    const { word } = this.slots;
    const row = slot * SLOT_WORDS;
    if (word[row + STATE_HI] !== stateHashHigh(record.stateHash) || word[row + STATE_LO] !== stateHashLow(record.stateHash)) return 'changed';
    if (word[row + MARK] === tag) word[row + MARK] = 0;
    return 'same';
  }

  /** The keys of the entries of one bucket still tagged `tag` (look each up again before acting on it). */
  keysMarked(bucket: number, tag: number): FlowKey[] {
    const out: FlowKey[] = [];
    const { word, link } = this.slots;
    for (let slot = this.bucketHead[bucket] ?? NONE; slot !== NONE; slot = link[slot * SLOT_WORDS + BUCKET_NEXT] as number) {
      if (word[slot * SLOT_WORDS + MARK] === tag) out.push({ table: word[slot * SLOT_WORDS + TABLE] as Table, key: this.keyAt(slot) });
    }
    return out;
  }

  /** Deletes every entry in scope still tagged `tag`; returns the deleted records. */
  sweep(scope: BucketScope, tag: number): FlowRecord[] {
    const doomed: number[] = [];
    for (const bucket of scopeBuckets(scope, this.bucketCount)) {
      for (let slot = this.bucketHead[bucket] ?? NONE; slot !== NONE; slot = this.slots.link[slot * SLOT_WORDS + BUCKET_NEXT] as number) {
        if (this.slots.word[slot * SLOT_WORDS + MARK] === tag) doomed.push(slot);
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
    const { word } = this.slots;
    const row = slot * SLOT_WORDS;
    return slot < this.highWater && word[row + TABLE] !== 0 && word[row + CHUNK] === chunk && word[row + OFFSET] === offset;
  }

  /** ArenaOwner: the entry of `slot` moved. */
  moved(slot: number, chunk: number, offset: number): void {
    this.entriesMoved++;
    const { word } = this.slots;
    word[slot * SLOT_WORDS + CHUNK] = chunk;
    word[slot * SLOT_WORDS + OFFSET] = offset;
  }

  private find(table: Table, key: Uint8Array): number {
    const hash = hashKey(table, key);
    return this.findHashed(hash.first, hash.second, table, key);
  }

  private findHashed(first: number, second: number, table: Table, key: Uint8Array): number {
    const { word, link } = this.slots;
    let slot = this.index[second & (this.index.length - 1)] as number;
    while (slot !== NONE) {
      const row = slot * SLOT_WORDS;
      if (word[row + HASH1] === first && word[row + HASH2] === second && word[row + TABLE] === table && this.keyIs(row, key)) return slot;
      slot = link[row + NEXT] as number;
    }
    return NONE;
  }

  private keyIs(row: number, key: Uint8Array): boolean {
    const { word } = this.slots;
    if (word[row + KEY_LENGTH] !== key.length) return false;
    const bytes = this.arena.chunk(word[row + CHUNK] as number);
    const start = (word[row + OFFSET] as number) + ENTRY_HEADER;
    for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key[i]) return false;
    return true;
  }

  private keyAt(slot: number): Uint8Array {
    const { word } = this.slots;
    const row = slot * SLOT_WORDS;
    const start = (word[row + OFFSET] as number) + ENTRY_HEADER;
    return this.arena.view(word[row + CHUNK] as number, start, start + (word[row + KEY_LENGTH] as number));
  }

  private recordAt(slot: number): FlowRecord {
    const { word } = this.slots;
    const row = slot * SLOT_WORDS;
    const start = (word[row + OFFSET] as number) + ENTRY_HEADER;
    return recordIn(
      this.arena.chunk(word[row + CHUNK] as number),
      start,
      word[row + KEY_LENGTH] as number,
      word[row + PAYLOAD_LENGTH] as number,
      word[row + TABLE] as Table,
      word[row + STATE_HI] as number,
      word[row + STATE_LO] as number,
    );
  }

  private flowAt(slot: number): CachedFlow {
    const { times } = this.slots;
    return { record: this.recordAt(slot), updatedAt: times[slot * 2] as number, origin: times[slot * 2 + 1] as number, bucket: this.bucketOfSlot(slot) };
  }

  /** A slot for a new entry, linked into the index and its bucket (its bytes are set by the caller). */
  private newSlot(first: number, second: number, table: Table, bucket: number): number {
    let slot = this.freeSlot;
    if (slot !== NONE) this.freeSlot = this.slots.link[slot * SLOT_WORDS + NEXT] as number;
    else {
      if (this.highWater === this.slots.capacity) this.grow();
      slot = this.highWater++;
    }
    const { word, link } = this.slots;
    const row = slot * SLOT_WORDS;
    word[row + HASH1] = first;
    word[row + HASH2] = second;
    word[row + TABLE] = table;
    const at = second & (this.index.length - 1);
    link[row + NEXT] = this.index[at] as number;
    this.index[at] = slot;
    const head = this.bucketHead[bucket] as number;
    link[row + BUCKET_PREV] = NONE;
    link[row + BUCKET_NEXT] = head;
    if (head !== NONE) link[head * SLOT_WORDS + BUCKET_PREV] = slot;
    this.bucketHead[bucket] = slot;
    this.entryCount++;
    this.perTable[table] = this.count(table) + 1;
    return slot;
  }

  private remove(slot: number): void {
    const { word, link } = this.slots;
    const row = slot * SLOT_WORDS;
    const bucket = this.bucketOfSlot(slot);
    this.unaccount(bucket, slot);
    // out of the index chain
    const at = (word[row + HASH2] as number) & (this.index.length - 1);
    if (this.index[at] === slot) this.index[at] = link[row + NEXT] as number;
    else {
      let previous = this.index[at] as number;
      while (link[previous * SLOT_WORDS + NEXT] !== slot) previous = link[previous * SLOT_WORDS + NEXT] as number;
      link[previous * SLOT_WORDS + NEXT] = link[row + NEXT] as number;
    }
    // out of the bucket list
    const before = link[row + BUCKET_PREV] as number;
    const after = link[row + BUCKET_NEXT] as number;
    if (before === NONE) this.bucketHead[bucket] = after;
    else link[before * SLOT_WORDS + BUCKET_NEXT] = after;
    if (after !== NONE) link[after * SLOT_WORDS + BUCKET_PREV] = before;
    const table = word[row + TABLE] as Table;
    this.perTable[table] = this.count(table) - 1;
    this.entryCount--;
    word[row + TABLE] = 0;
    word[row + GENERATION] = ((word[row + GENERATION] as number) + 1) >>> 0;
    link[row + NEXT] = this.freeSlot;
    this.freeSlot = slot;
    this.arena.release(word[row + CHUNK] as number, word[row + OFFSET] as number);
    this.releasedSinceMaintain++;
  }

  private generationOf(slot: number): number {
    return this.slots.word[slot * SLOT_WORDS + GENERATION] as number;
  }

  private bucketOfSlot(slot: number): number {
    return this.bucketBits === 0 ? 0 : (this.slots.word[slot * SLOT_WORDS + HASH1] as number) >>> (32 - this.bucketBits);
  }

  /** Doubles the slots and rebuilds the index at twice the slot count. */
  private grow(): void {
    const slots = new Slots(this.slots.capacity * 2, this.slots);
    const index = new Int32Array(slots.capacity * 2).fill(NONE);
    for (let slot = 0; slot < this.highWater; slot++) {
      const at = (slots.word[slot * SLOT_WORDS + HASH2] as number) & (index.length - 1);
      slots.link[slot * SLOT_WORDS + NEXT] = index[at] as number;
      index[at] = slot;
    }
    // (called only when no slot is free: there is no free list to carry over)
    this.slots = slots;
    this.index = index;
  }

  private account(bucket: number, slot: number): void {
    this.digestHi[bucket] = ((this.digestHi[bucket] as number) + (this.slots.word[slot * SLOT_WORDS + DIGEST_HI] as number)) >>> 0;
    this.digestLo[bucket] = ((this.digestLo[bucket] as number) + (this.slots.word[slot * SLOT_WORDS + DIGEST_LO] as number)) >>> 0;
  }

  private unaccount(bucket: number, slot: number): void {
    this.digestHi[bucket] = ((this.digestHi[bucket] as number) - (this.slots.word[slot * SLOT_WORDS + DIGEST_HI] as number)) >>> 0;
    this.digestLo[bucket] = ((this.digestLo[bucket] as number) - (this.slots.word[slot * SLOT_WORDS + DIGEST_LO] as number)) >>> 0;
  }
}
