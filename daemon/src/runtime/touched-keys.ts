// A set of (table, key) pairs, found by the cache's key hash (no string per key): the keys kernel
// events touched while a dump was read and reconciled (kernel-feed.ts, paced-reconcile.ts), and
// the zoned connections of a dump an expectation's master is looked for in (table-resync.ts).
import { hashKey, sameKey } from '../cache/key-hash.js';
import type { Table } from '../model/record.js';

export interface TouchedKey {
  readonly table: Table;
  readonly key: Uint8Array;
}

export class TouchedKeys {
  private readonly byHash = new Map<number, TouchedKey | TouchedKey[]>();
  size = 0;

  add(table: Table, key: Uint8Array): void {
    const hash = hashKey(table, key).first;
    const held = this.byHash.get(hash);
    if (held === undefined) this.byHash.set(hash, { table, key });
    else if (Array.isArray(held)) {
      if (held.some((t) => same(t, table, key))) return;
      held.push({ table, key });
    } else if (same(held, table, key)) return;
    else this.byHash.set(hash, [held, { table, key }]);
    this.size++;
  }

  has(table: Table, key: Uint8Array): boolean {
    const held = this.byHash.get(hashKey(table, key).first);
    if (held === undefined) return false;
    return Array.isArray(held) ? held.some((t) => same(t, table, key)) : same(held, table, key);
  }

  *values(): IterableIterator<TouchedKey> {
    for (const held of this.byHash.values()) {
      if (Array.isArray(held)) yield* held;
      else yield held;
    }
  }
}

function same(t: TouchedKey, table: Table, key: Uint8Array): boolean {
  return t.table === table && sameKey(t.key, key);
}
