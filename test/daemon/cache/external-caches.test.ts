import { describe, expect, it } from 'vitest';
import { ExternalCaches } from '../../../daemon/src/cache/external-caches.js';
import { Table } from '../../../daemon/src/model/record.js';

const record = (id: number) => ({ table: Table.conntrack, key: Uint8Array.from([id]), payload: new Uint8Array(0), stateHash: 1n });

describe('ExternalCaches', () => {
  it('keeps one cache per origin and walks them all', () => {
    const external = new ExternalCaches();
    external.forOrigin(2).set(record(1), 2, 0);
    external.forOrigin(2).set(record(2), 2, 0);
    external.forOrigin(3).set(record(1), 3, 0);
    expect(external.origins()).toEqual([2, 3]);
    expect(external.size).toBe(3);
    expect([...external.values()].map((f) => f.origin).sort()).toEqual([2, 2, 3]);
    expect(external.peek(4)).toBeUndefined();
    external.drop(2);
    expect(external.origins()).toEqual([3]);
    expect(external.size).toBe(1);
  });

  it('snapshots the origins named last after the others, in their order, one copy per connection: the one heard last', () => {
    const external = new ExternalCaches();
    // one connection in three copies, each told apart by its state hash (its origin's id), and
    // one connection of each origin alone
    for (const origin of [2, 3, 4]) {
      external.forOrigin(origin).set({ ...record(1), stateHash: BigInt(origin) }, origin, 0);
      external.forOrigin(origin).set({ ...record(10 * origin), stateHash: BigInt(origin) }, origin, 0);
    }
    const originsOf = (last: number[]): string[] => {
      const snapshot = external.snapshot(last);
      return Array.from({ length: snapshot.length }, (_, i) => `${snapshot.at(i)?.key[0]}@${snapshot.at(i)?.stateHash}`).sort();
    };
    expect(originsOf([4, 2])).toEqual(['1@2', '20@2', '30@3', '40@4']);
    expect(originsOf([])).toEqual(['1@4', '20@2', '30@3', '40@4']);
    // the order is kept: the last origin's entries come last
    const snapshot = external.snapshot([4, 2]);
    expect(snapshot.at(snapshot.length - 1)?.stateHash).toBe(2n);
  });

  it('snapshots the entries of every origin, in the order values() walks them', () => {
    const external = new ExternalCaches();
    expect(external.snapshot().length).toBe(0);
    for (let id = 0; id < 5; id++) external.forOrigin(2).set(record(id), 2, 0);
    for (let id = 10; id < 13; id++) external.forOrigin(3).set(record(id), 3, 0);
    external.forOrigin(4);
    const snapshot = external.snapshot();
    expect(snapshot.length).toBe(8);
    expect(Array.from({ length: 8 }, (_, i) => snapshot.at(i))).toEqual([...external.values()].map((f) => f.record));
    expect(snapshot.at(8)).toBeUndefined();
  });
});
