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
});
