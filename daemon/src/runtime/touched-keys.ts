// A set of (table, key) pairs (a KeyMap without values): the keys kernel events touched while a
// dump was read and reconciled (kernel-feed.ts, paced-reconcile.ts).
import type { Table } from '../model/record.js';
import { KeyMap, type KeyedValue } from './key-map.js';

export type TouchedKey = KeyedValue<true>;

export class TouchedKeys extends KeyMap<true> {
  add(table: Table, key: Uint8Array): void {
    this.set(table, key, true);
  }
}
