// The external cache: what peers replicated to us, one FlowCache per origin node, so a peer's
// restart or resync touches only its own entries. The failover code commits these to the kernel
// (or, in direct mode, the sync layer's change callback injects them live). Model: conntrack-tools'
// external cache (src/external_cache.c), split per origin because HALF allows more than two nodes.
import type { CachedFlow } from './flow-cache.js';
import type { FlowRecord, IndexedRecords } from '../model/record.js';
import { DEFAULT_BUCKET_BITS, FlowCache } from './flow-cache.js';
import { concatRecords } from './record-snapshot.js';

export class ExternalCaches {
  private readonly byOrigin = new Map<number, FlowCache>();

  constructor(private readonly bucketBits: number = DEFAULT_BUCKET_BITS) {}

  /** The cache of one origin node, created empty on first use. */
  forOrigin(origin: number): FlowCache {
    let cache = this.byOrigin.get(origin);
    if (cache === undefined) {
      cache = new FlowCache({ bucketBits: this.bucketBits });
      this.byOrigin.set(origin, cache);
    }
    return cache;
  }

  /** The cache of an origin if we ever heard from it. */
  peek(origin: number): FlowCache | undefined {
    return this.byOrigin.get(origin);
  }

  origins(): number[] {
    return [...this.byOrigin.keys()].sort((a, b) => a - b);
  }

  /**
   * Entries of every origin as they are now, records made when asked for (what a commit walks).
   * The origins in `last` come last, in that order. Where two copies hold one connection, only
   * the later one's is in the snapshot: the kernel is left with it, and the commit never writes
   * one key twice (two writes of a key in one batch race: the later copy's delete could take out
   * the earlier one's create, or the earlier one win).
   */
  snapshot(last: readonly number[] = []): IndexedRecords {
    const order = [...[...this.byOrigin.keys()].filter((origin) => !last.includes(origin)), ...last];
    const caches = order.map((origin) => this.byOrigin.get(origin)).filter((cache): cache is FlowCache => cache !== undefined && cache.size > 0);
    return concatRecords(caches.map((cache, i) => withoutKeysOf(cache.snapshot(), caches.slice(i + 1))));
  }

  /**
   * The records each origin's cache changed (set with another state) at or after its `since`
   * (what a merge commits), but those `superseded` says a later change of this node outdates.
   */
  changedSince(copies: readonly { readonly origin: number; readonly since: number }[], superseded: (flow: CachedFlow) => boolean = () => false): FlowRecord[] {
    const records: FlowRecord[] = [];
    for (const { origin, since } of copies) {
      for (const flow of this.byOrigin.get(origin)?.values() ?? []) if (flow.updatedAt >= since && !superseded(flow)) records.push(flow.record);
    }
    return records;
  }

  /** Entries of every origin. */
  *values(): IterableIterator<CachedFlow> {
    for (const cache of this.byOrigin.values()) yield* cache.values();
  }

  get size(): number {
    let total = 0;
    for (const cache of this.byOrigin.values()) total += cache.size;
    return total;
  }

  /** Housekeeping of every origin's cache (FlowCache.maintain). */
  maintain(now: number): void {
    for (const cache of this.byOrigin.values()) cache.maintain(now);
  }

  /** Forgets one origin (after its entries were committed, or when it left the cluster). */
  drop(origin: number): void {
    this.byOrigin.delete(origin);
  }

  clear(): void {
    this.byOrigin.clear();
  }
}

/** `records` without the entries whose key one of `later` holds. */
function withoutKeysOf(records: IndexedRecords, later: readonly FlowCache[]): IndexedRecords {
  if (later.length === 0) return records;
  const kept: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records.at(i) as FlowRecord;
    if (!later.some((cache) => cache.get(record.table, record.key) !== undefined)) kept.push(i);
  }
  if (kept.length === records.length) return records;
  return { length: kept.length, at: (index) => (index >= 0 && index < kept.length ? records.at(kept[index] as number) : undefined) };
}
