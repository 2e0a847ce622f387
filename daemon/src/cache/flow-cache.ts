// One generic flow cache, keyed by (table, key bytes), holding the record, its last-update time
// and its origin node. Entries live in 2^bucketBits hash buckets, each with an incrementally
// maintained 64-bit digest, so anti-entropy compares whole tables by bucket in O(buckets) and
// repairs only what differs. Within a bucket, entries are found by a 30-bit hash (a small-integer
// Map key: no string per entry) with a chain for the rare collisions, compared by bytes.
// Mark-and-sweep serves resyncs: a resync marks the covered buckets, every set clears the mark,
// and the end of the resync sweeps what is still marked.
// Model: conntrack-tools' src/cache.c (one cache type, internal and external instances).
import type { FlowRecord, Table } from '../model/record.js';
import { ConfigError } from '../errors.js';
import type { BucketScope } from './bucket-scope.js';
import { scopeBuckets } from './bucket-scope.js';
import { bucketOf, digestValue, entryDigest, hashKey, sameKey } from './key-hash.js';

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

interface Slot extends CachedFlow {
  record: FlowRecord;
  updatedAt: number;
  origin: number;
  digestHi: number;
  digestLo: number;
  /** Resync tag (0: none). */
  mark: number;
  /** Next entry with the same in-bucket hash. */
  next: Slot | undefined;
}

type Bucket = Map<number, Slot>;

export const DEFAULT_BUCKET_BITS = 10;

export class FlowCache {
  readonly bucketBits: number;
  readonly bucketCount: number;
  private readonly buckets: Bucket[];
  private readonly digestHi: Uint32Array;
  private readonly digestLo: Uint32Array;
  private readonly perTable = new Map<Table, number>();
  private entryCount = 0;

  constructor(options: { readonly bucketBits?: number } = {}) {
    const bits = options.bucketBits ?? DEFAULT_BUCKET_BITS;
    if (!Number.isInteger(bits) || bits < 0 || bits > 16) {
      throw new ConfigError(`flow cache bucketBits ${bits} is out of range`, {
        hint: 'use an integer from 0 to 16 (the default is 10: 1024 buckets)',
      });
    }
    this.bucketBits = bits;
    this.bucketCount = 1 << bits;
    this.buckets = Array.from({ length: this.bucketCount }, () => new Map<number, Slot>());
    this.digestHi = new Uint32Array(this.bucketCount);
    this.digestLo = new Uint32Array(this.bucketCount);
  }

  get size(): number {
    return this.entryCount;
  }

  count(table: Table): number {
    return this.perTable.get(table) ?? 0;
  }

  bucketFor(table: Table, key: Uint8Array): number {
    return bucketOf(hashKey(table, key), this.bucketBits);
  }

  get(table: Table, key: Uint8Array): CachedFlow | undefined {
    const hash = hashKey(table, key);
    return this.find(this.buckets[bucketOf(hash, this.bucketBits)] as Bucket, slotKey(hash.first), table, key);
  }

  /** Inserts or replaces a record; clears its resync mark. */
  set(record: FlowRecord, origin: number, now: number): 'added' | 'updated' {
    const hash = hashKey(record.table, record.key);
    const bucket = bucketOf(hash, this.bucketBits);
    const map = this.buckets[bucket] as Bucket;
    const mapKey = slotKey(hash.first);
    const digest = entryDigest(hash, record.stateHash);
    const slot = this.find(map, mapKey, record.table, record.key);
    if (slot !== undefined) {
      this.unaccount(bucket, slot);
      slot.record = record;
      slot.updatedAt = now;
      slot.origin = origin;
      slot.digestHi = digest.hi;
      slot.digestLo = digest.lo;
      slot.mark = 0;
      this.account(bucket, slot);
      return 'updated';
    }
    const created: Slot = { record, updatedAt: now, origin, bucket, digestHi: digest.hi, digestLo: digest.lo, mark: 0, next: map.get(mapKey) };
    map.set(mapKey, created);
    this.account(bucket, created);
    this.entryCount++;
    this.perTable.set(record.table, this.count(record.table) + 1);
    return 'added';
  }

  /** Removes an entry; returns the record it held, if any. */
  delete(table: Table, key: Uint8Array): FlowRecord | undefined {
    const hash = hashKey(table, key);
    const bucket = bucketOf(hash, this.bucketBits);
    const slot = this.find(this.buckets[bucket] as Bucket, slotKey(hash.first), table, key);
    if (slot === undefined) return undefined;
    this.remove(bucket, slotKey(hash.first), slot);
    return slot.record;
  }

  clear(): void {
    for (const map of this.buckets) map.clear();
    this.digestHi.fill(0);
    this.digestLo.fill(0);
    this.perTable.clear();
    this.entryCount = 0;
  }

  *values(): IterableIterator<CachedFlow> {
    for (let bucket = 0; bucket < this.bucketCount; bucket++) yield* this.bucketValues(bucket);
  }

  *bucketValues(bucket: number): IterableIterator<CachedFlow> {
    const map = this.buckets[bucket];
    if (map === undefined) return;
    for (const head of map.values()) for (let slot: Slot | undefined = head; slot !== undefined; slot = slot.next) yield slot;
  }

  /** Snapshot of the keys in a scope, for a paced resync (look each up again when its turn comes). */
  keysIn(scope: BucketScope): FlowKey[] {
    const out: FlowKey[] = [];
    for (const bucket of scopeBuckets(scope, this.bucketCount)) for (const flow of this.bucketValues(bucket)) out.push(flow.record);
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
      for (const flow of this.bucketValues(bucket)) {
        (flow as Slot).mark = tag;
        marked++;
      }
    }
    return marked;
  }

  /** Deletes every entry in scope still tagged `tag`; returns the deleted records. */
  sweep(scope: BucketScope, tag: number): FlowRecord[] {
    const doomed: FlowRecord[] = [];
    for (const bucket of scopeBuckets(scope, this.bucketCount)) {
      for (const flow of this.bucketValues(bucket)) if ((flow as Slot).mark === tag) doomed.push(flow.record);
    }
    for (const record of doomed) this.delete(record.table, record.key);
    return doomed;
  }

  private find(map: Bucket, mapKey: number, table: Table, key: Uint8Array): Slot | undefined {
    let slot = map.get(mapKey);
    while (slot !== undefined && !(slot.record.table === table && sameKey(slot.record.key, key))) slot = slot.next;
    return slot;
  }

  private remove(bucket: number, mapKey: number, slot: Slot): void {
    const map = this.buckets[bucket] as Bucket;
    const head = map.get(mapKey);
    if (head === slot) {
      if (slot.next === undefined) map.delete(mapKey);
      else map.set(mapKey, slot.next);
    } else {
      let previous = head;
      while (previous !== undefined && previous.next !== slot) previous = previous.next;
      if (previous !== undefined) previous.next = slot.next;
    }
    slot.next = undefined;
    this.unaccount(bucket, slot);
    this.entryCount--;
    this.perTable.set(slot.record.table, this.count(slot.record.table) - 1);
  }

  private account(bucket: number, slot: Slot): void {
    this.digestHi[bucket] = ((this.digestHi[bucket] as number) + slot.digestHi) >>> 0;
    this.digestLo[bucket] = ((this.digestLo[bucket] as number) + slot.digestLo) >>> 0;
  }

  private unaccount(bucket: number, slot: Slot): void {
    this.digestHi[bucket] = ((this.digestHi[bucket] as number) - slot.digestHi) >>> 0;
    this.digestLo[bucket] = ((this.digestLo[bucket] as number) - slot.digestLo) >>> 0;
  }
}

/** In-bucket key: the low 30 bits of the first hash (a small integer for V8's Map). */
function slotKey(first: number): number {
  return first & 0x3fffffff;
}
