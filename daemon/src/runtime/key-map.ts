// A map from (table, key) pairs to values, found by the cache's key hash (no string per key).
import { hashKey, sameKey } from '../cache/key-hash.js';
import type { Table } from '../model/record.js';

export interface KeyedValue<V> {
  readonly table: Table;
  readonly key: Uint8Array;
  value: V;
}

export class KeyMap<V> {
  private readonly byHash = new Map<number, KeyedValue<V> | KeyedValue<V>[]>();
  size = 0;

  /** Sets the value of (table, key); an existing pair keeps its first key bytes. */
  set(table: Table, key: Uint8Array, value: V): void {
    const hash = hashKey(table, key).first;
    const held = this.byHash.get(hash);
    const found = held === undefined ? undefined : Array.isArray(held) ? held.find((t) => same(t, table, key)) : same(held, table, key) ? held : undefined;
    if (found !== undefined) {
      found.value = value;
      return;
    }
    const entry = { table, key, value };
    if (held === undefined) this.byHash.set(hash, entry);
    else if (Array.isArray(held)) held.push(entry);
    else this.byHash.set(hash, [held, entry]);
    this.size++;
  }

  get(table: Table, key: Uint8Array): V | undefined {
    const held = this.byHash.get(hashKey(table, key).first);
    if (held === undefined) return undefined;
    if (!Array.isArray(held)) return same(held, table, key) ? held.value : undefined;
    return held.find((t) => same(t, table, key))?.value;
  }

  has(table: Table, key: Uint8Array): boolean {
    return this.get(table, key) !== undefined;
  }

  *values(): IterableIterator<KeyedValue<V>> {
    for (const held of this.byHash.values()) {
      if (Array.isArray(held)) yield* held;
      else yield held;
    }
  }
}

function same<V>(t: KeyedValue<V>, table: Table, key: Uint8Array): boolean {
  return t.table === table && sameKey(t.key, key);
}
