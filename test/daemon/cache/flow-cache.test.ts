import { describe, expect, it } from 'vitest';
import { FULL_SCOPE, bucketScope } from '../../../daemon/src/cache/bucket-scope.js';
import { COMPACT_DEFER_MS, FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { hashKey } from '../../../daemon/src/cache/key-hash.js';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { Table } from '../../../daemon/src/model/record.js';
import type { FlowRecord } from '../../../daemon/src/model/record.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';

const record = (id: number, state = 1n, table: Table = Table.conntrack): FlowRecord => ({
  table,
  key: Uint8Array.from([id >>> 24, id >>> 16, id >>> 8, id, 7, 7]),
  payload: Uint8Array.from([id & 0xff]),
  stateHash: state,
});

function digests(cache: FlowCache): bigint[] {
  return Array.from({ length: cache.bucketCount }, (_, b) => cache.bucketDigest(b));
}

describe('FlowCache', () => {
  it('keys by table and key bytes, keeping the last record, time and origin', () => {
    const cache = new FlowCache();
    expect(cache.set(record(1), 5, 100)).toBe('added');
    expect(cache.set(record(1, 2n), 6, 200)).toBe('updated');
    expect(cache.set(record(1, 1n, Table.expectation), 5, 300)).toBe('added');
    expect(cache.size).toBe(2);
    expect(cache.count(Table.conntrack)).toBe(1);
    expect(cache.count(Table.expectation)).toBe(1);
    const flow = cache.get(Table.conntrack, record(1).key);
    expect(flow).toMatchObject({ updatedAt: 200, origin: 6, record: { stateHash: 2n } });
    // A key is compared as bytes, not by object identity.
    expect(cache.get(Table.conntrack, Uint8Array.from(record(1).key))).toEqual(flow);
    // a set of the state it holds (a resync's) is no change: the time stays (what a merge takes)
    expect(cache.set(record(1, 2n), 7, 900)).toBe('updated');
    expect(cache.get(Table.conntrack, record(1).key)).toMatchObject({ updatedAt: 200, origin: 7 });
  });

  it('keeps a copy of what it is given: records made from shared slabs are safe to cache', () => {
    const cache = new FlowCache();
    const given = record(7);
    cache.set(given, 1, 0);
    (given.key as Uint8Array).fill(0);
    (given.payload as Uint8Array).fill(0);
    expect(cache.get(Table.conntrack, record(7).key)?.record).toEqual(record(7));
    expect(cache.get(Table.conntrack, given.key)).toBeUndefined();
  });

  it('deletes, saying whether there was an entry; counts follow', () => {
    const cache = new FlowCache();
    cache.set(record(1), 1, 0);
    cache.set(record(2), 1, 0);
    expect(cache.delete(Table.conntrack, record(1).key)).toBe(true);
    expect(cache.delete(Table.conntrack, record(1).key)).toBe(false);
    expect(cache.size).toBe(1);
    expect(cache.count(Table.conntrack)).toBe(1);
    expect([...cache.values()].map((f) => f.record.key)).toEqual([record(2).key]);
  });

  it('has bucket digests that depend on content only, not on insertion order or history', () => {
    const prng = new Prng(1);
    const a = new FlowCache();
    const b = new FlowCache();
    const ids = Array.from({ length: 3000 }, (_, i) => i);
    for (const id of ids) a.set(record(id, BigInt(id * 7)), 1, 0);
    const shuffled = [...ids].sort(() => prng.next() - 0.5);
    for (const id of shuffled) b.set(record(id, 99n), 2, 5); // other states first...
    for (const id of shuffled) b.set(record(id, BigInt(id * 7)), 2, 6); // ...then the same ones
    b.set(record(5000), 2, 7);
    b.delete(Table.conntrack, record(5000).key);
    expect(digests(b)).toEqual(digests(a));
    // One changed stateHash changes exactly one bucket's digest.
    b.set(record(42, 1n), 2, 8);
    const changed = digests(a).flatMap((d, i) => (d === digests(b)[i] ? [] : [i]));
    expect(changed).toEqual([b.bucketFor(Table.conntrack, record(42).key)]);
  });

  it('spreads keys over the buckets and iterates a bucket', () => {
    const cache = new FlowCache({ bucketBits: 4 });
    for (let id = 0; id < 1600; id++) cache.set(record(id), 1, 0);
    const sizes = Array.from({ length: 16 }, (_, b) => [...cache.bucketValues(b)].length);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(1600);
    for (const size of sizes) expect(size).toBeGreaterThan(50);
    for (const flow of cache.bucketValues(3)) expect(flow.bucket).toBe(3);
    expect(cache.keysIn(bucketScope([3, 5])).length).toBe((sizes[3] ?? 0) + (sizes[5] ?? 0));
    expect(cache.keysIn(FULL_SCOPE).length).toBe(1600);
  });

  it('marks a scope and sweeps only what was not set since', () => {
    const cache = new FlowCache({ bucketBits: 2 });
    for (let id = 0; id < 100; id++) cache.set(record(id), 1, 0);
    const bucket = cache.bucketFor(Table.conntrack, record(0).key);
    const inBucket = [...cache.bucketValues(bucket)].map((f) => f.record);
    const marked = cache.mark(bucketScope([bucket]), 9);
    expect(marked).toBe(inBucket.length);
    // Re-set all but two of them: those two are swept, other buckets untouched.
    for (const r of inBucket.slice(2)) cache.set(r, 1, 1);
    const swept = cache.sweep(bucketScope([bucket]), 9);
    expect(swept.map((r) => r.key)).toEqual(inBucket.slice(0, 2).map((r) => r.key));
    expect(cache.size).toBe(98);
    // A sweep with another tag removes nothing.
    cache.mark(FULL_SCOPE, 10);
    expect(cache.sweep(FULL_SCOPE, 11)).toEqual([]);
    expect(cache.sweep(FULL_SCOPE, 10)).toHaveLength(98);
    expect(cache.size).toBe(0);
    expect(digests(cache).every((d) => d === 0n)).toBe(true);
  });

  it('marks every live entry of a full scope, deleted slots and all, whatever the bucket', () => {
    const cache = new FlowCache({ bucketBits: 3 });
    for (let id = 0; id < 300; id++) cache.set(record(id), 1, 0);
    for (let id = 0; id < 300; id += 3) cache.delete(Table.conntrack, record(id).key);
    expect(cache.mark(FULL_SCOPE, 4)).toBe(200);
    const marked = Array.from({ length: cache.bucketCount }, (_, b) => cache.keysMarked(b, 4)).flat();
    expect(marked.map((k) => k.key[3]).sort((a, b) => (a as number) - (b as number))).toEqual(
      Array.from({ length: 300 }, (_, id) => id).filter((id) => id % 3 !== 0).map((id) => id & 0xff).sort((a, b) => a - b),
    );
    // a slot freed before the mark and used again after it is not marked
    cache.set(record(0), 1, 1);
    expect(cache.keysMarked(cache.bucketFor(Table.conntrack, record(0).key), 4).some((k) => k.key[3] === 0)).toBe(false);
  });

  it('settles a record: same state clears its mark, another state or none leaves the cache as it was', () => {
    const cache = new FlowCache({ bucketBits: 0 });
    for (let id = 0; id < 3; id++) cache.set(record(id, 5n), 1, 0);
    cache.mark(FULL_SCOPE, 8);
    expect(cache.settle(record(0, 5n), 8)).toBe('same');
    expect(cache.settle(record(1, 6n), 8)).toBe('changed');
    expect(cache.settle(record(3, 5n), 8)).toBe('absent');
    expect(cache.keysMarked(0, 8).map((k) => k.key[3]).sort()).toEqual([1, 2]);
    // another reconcile's tag is left alone
    cache.mark(FULL_SCOPE, 9);
    expect(cache.settle(record(2, 5n), 8)).toBe('same');
    expect(cache.keysMarked(0, 9)).toHaveLength(3);
    expect(cache.get(Table.conntrack, record(1).key)?.record.stateHash).toBe(5n);
    expect(cache.size).toBe(3);
    expect([cache.has(Table.conntrack, record(2).key), cache.has(Table.conntrack, record(3).key), cache.has(Table.expectation, record(2).key)]).toEqual([true, false, false]);
  });

  it('rejects an unusable bucket count', () => {
    expect(() => new FlowCache({ bucketBits: 17 })).toThrow(ConfigError);
  });
});

describe('FlowCache hash collisions', () => {
  it('keeps keys apart whose in-bucket hashes collide, in every order of deletion', () => {
    // Find two keys with the same low 30 bits of the first hash (a birthday search over 2^30).
    const seen = new Map<number, Uint8Array>();
    let pair: [Uint8Array, Uint8Array] | undefined;
    for (let i = 0; pair === undefined && i < 400_000; i++) {
      const key = Uint8Array.from([i >>> 16, i >>> 8, i, 1]);
      const slot = hashKey(Table.conntrack, key).first & 0x3fffffff;
      const other = seen.get(slot);
      if (other !== undefined) pair = [other, key];
      else seen.set(slot, key);
    }
    expect(pair).toBeDefined();
    const [a, b] = pair as [Uint8Array, Uint8Array];
    for (const order of [[a, b], [b, a]]) {
      const cache = new FlowCache({ bucketBits: 0 });
      const r = (key: Uint8Array, state: bigint): FlowRecord => ({ table: Table.conntrack, key, payload: new Uint8Array(0), stateHash: state });
      cache.set(r(a, 1n), 1, 0);
      cache.set(r(b, 2n), 1, 0);
      expect(cache.size).toBe(2);
      expect(cache.get(Table.conntrack, a)?.record.stateHash).toBe(1n);
      expect(cache.get(Table.conntrack, b)?.record.stateHash).toBe(2n);
      expect(cache.set(r(b, 3n), 1, 0)).toBe('updated');
      const [first, second] = order as [Uint8Array, Uint8Array];
      expect(cache.delete(Table.conntrack, first)).toBe(true);
      expect(cache.get(Table.conntrack, first)).toBeUndefined();
      expect(cache.get(Table.conntrack, second)).toBeDefined();
      expect([...cache.values()]).toHaveLength(1);
      expect(cache.delete(Table.conntrack, second)).toBe(true);
      expect(cache.size).toBe(0);
      expect(cache.bucketDigest(0)).toBe(0n);
    }
  });
});

describe('FlowCache storage', () => {
  it('matches a plain map through random sets, updates and deletes, with the arena compacting', () => {
    const prng = new Prng(3);
    const cache = new FlowCache({ bucketBits: 3, arenaChunkBytes: 2048 });
    const model = new Map<number, FlowRecord>();
    const make = (id: number, round: number): FlowRecord => ({
      table: id % 5 === 0 ? Table.expectation : Table.conntrack,
      key: Uint8Array.from([id >>> 8, id & 0xff, 9]),
      payload: Uint8Array.from({ length: 1 + Math.floor(prng.next() * 120) }, (_, i) => (round + i) & 0xff),
      stateHash: BigInt.asUintN(64, BigInt(round) * 0x1_0000_0001n + 0xffff_ffff_0000_0000n),
    });
    for (let round = 0; round < 30_000; round++) {
      const id = Math.floor(prng.next() * 2000);
      const held = model.get(id);
      if (held !== undefined && prng.next() < 0.3) {
        expect(cache.get(held.table, held.key)?.record).toEqual(held);
        expect(cache.delete(held.table, held.key)).toBe(true);
        model.delete(id);
      } else {
        const next = make(id, round);
        expect(cache.set(next, 1, round)).toBe(held === undefined ? 'added' : 'updated');
        model.set(id, next);
      }
      if (prng.next() < 0.2) cache.compact();
    }
    expect(cache.movedEntries).toBeGreaterThan(0);
    expect(cache.size).toBe(model.size);
    for (const record of model.values()) expect(cache.get(record.table, record.key)?.record).toEqual(record);
    expect([...cache.values()].length).toBe(model.size);
    // the same content built fresh gives the same bucket digests
    const fresh = new FlowCache({ bucketBits: 3 });
    for (const record of model.values()) fresh.set(record, 1, 0);
    expect(digests(cache)).toEqual(digests(fresh));
    const liveBytes = [...model.values()].reduce((sum, r) => sum + 8 + r.key.length + r.payload.length, 0);
    cache.compact();
    expect(cache.arenaChunks).toBeLessThanOrEqual(Math.ceil((2 * liveBytes) / 2048) + 1);
  });

  it('hands out records whose bytes stay as they were while the cache changes', () => {
    const cache = new FlowCache({ arenaChunkBytes: 1024 });
    for (let id = 0; id < 50; id++) cache.set(record(id), 1, 0);
    const held = cache.get(Table.conntrack, record(3).key)?.record as FlowRecord;
    for (let round = 0; round < 40; round++) for (let id = 0; id < 50; id++) cache.set(record(id, BigInt(round)), 1, round);
    expect(held).toEqual(record(3));
    expect(cache.get(Table.conntrack, record(3).key)?.record.stateHash).toBe(39n);
  });

  it('iterates a bucket as it was, skipping entries deleted meanwhile', () => {
    const cache = new FlowCache({ bucketBits: 0 });
    for (let id = 0; id < 10; id++) cache.set(record(id), 1, 0);
    const seen: number[] = [];
    for (const flow of cache.bucketValues(0)) {
      seen.push(flow.record.payload[0] as number);
      // delete another entry and add one: neither disturbs the walk
      if (seen.length === 1) {
        cache.delete(Table.conntrack, record(seen[0] === 0 ? 1 : 0).key);
        cache.set(record(100), 1, 0);
      }
    }
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
  });
});

describe('FlowCache snapshot', () => {
  it('lists every entry as values() does, and keeps them as they were while the cache changes', () => {
    const cache = new FlowCache({ bucketBits: 2, arenaChunkBytes: 512 });
    for (let id = 0; id < 60; id++) cache.set(record(id, BigInt(id) << 40n), 1, 0);
    const snapshot = cache.snapshot();
    const before = [...cache.values()].map((flow) => flow.record);
    expect(snapshot.length).toBe(60);
    expect(Array.from({ length: snapshot.length }, (_, i) => snapshot.at(i))).toEqual(before);
    expect(snapshot.at(60)).toBeUndefined();
    expect(snapshot.at(-1)).toBeUndefined();
    // replace and delete everything (the arena evacuates and drops the chunks the snapshot uses)
    for (let round = 0; round < 20; round++) {
      for (let id = 0; id < 60; id++) cache.set(record(id, BigInt(round)), 1, 1);
      cache.compact();
    }
    for (let id = 0; id < 60; id++) cache.delete(Table.conntrack, record(id).key);
    cache.compact();
    expect(cache.movedEntries).toBeGreaterThan(0);
    expect(Array.from({ length: snapshot.length }, (_, i) => snapshot.at(i))).toEqual(before);
  });
});

describe('FlowCache with entries replaced in quick succession', () => {
  it('returns each entry as last set while the arena compacts under it', () => {
    const cache = new FlowCache({ arenaChunkBytes: 1024 });
    const flows = Array.from({ length: 30 }, (_, id) => id);
    for (let round = 0; round < 100; round++) {
      // a handful of flows changing state many times, the rest set once
      for (const id of flows.slice(0, round < 1 ? 30 : 3)) {
        cache.set(record(id, BigInt(round)), 1, round);
        cache.compact();
      }
      for (const id of flows) expect(cache.get(Table.conntrack, record(id).key)?.record).toEqual(record(id, id < 3 || round === 0 ? BigInt(round) : 0n));
    }
    expect(cache.arenaChunks).toBeLessThanOrEqual(4);
  });
});

describe('FlowCache maintenance', () => {
  /** 400 entries in 1 KiB chunks (~80 chunks), ticks of 10 ms from `now`. */
  function filled(): FlowCache {
    const cache = new FlowCache({ arenaChunkBytes: 1024 });
    for (let id = 0; id < 400; id++) cache.set(record(id), 1, 0);
    return cache;
  }
  const shuffled = (count: number, seed: number): number[] => {
    const prng = new Prng(seed);
    const ids = Array.from({ length: count }, (_, id) => id);
    for (let i = count - 1; i > 0; i--) {
      const j = prng.below(i + 1);
      [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
    }
    return ids;
  };

  it('lets the chunks a flush emptied go once it is over, without moving an entry', () => {
    const cache = filled();
    const chunks = cache.arenaChunks;
    let now = 0;
    // a flush in random order, 20 deletes per tick: the chunks all fall below half live meanwhile
    shuffled(400, 5).forEach((id, i) => {
      cache.delete(Table.conntrack, record(id).key);
      if (i % 20 === 19) cache.maintain((now += 10));
    });
    expect(cache.arenaChunks).toBe(chunks);
    cache.maintain((now += 10)); // a tick with nothing deleted
    expect(cache.arenaChunks).toBeLessThanOrEqual(1);
    expect(cache.movedEntries).toBe(0);
  });

  it('moves about one entry per delete when it compacts after every delete (what maintain() avoids)', () => {
    const cache = filled();
    for (const id of shuffled(400, 5)) {
      cache.delete(Table.conntrack, record(id).key);
      cache.compact();
    }
    expect(cache.movedEntries).toBeGreaterThan(200);
  });

  it('compacts while deletes go on once the last compaction is COMPACT_DEFER_MS old', () => {
    const cache = filled();
    const chunks = cache.arenaChunks;
    cache.maintain(0); // quiet: compacts (nothing to do) and starts the clock
    const order = shuffled(400, 9);
    // 300 of 400 deleted, one per tick: every chunk is a quarter live, none compacted yet
    for (let i = 0; i < 300; i++) {
      cache.delete(Table.conntrack, record(order[i] as number).key);
      cache.maintain(1 + i * (COMPACT_DEFER_MS / 400));
    }
    expect(cache.arenaChunks).toBe(chunks);
    cache.delete(Table.conntrack, record(order[300] as number).key);
    cache.maintain(COMPACT_DEFER_MS);
    expect(cache.arenaChunks).toBeLessThan(chunks / 2);
    expect(cache.movedEntries).toBeGreaterThan(0);
    for (const id of order.slice(301)) expect(cache.get(Table.conntrack, record(id).key)?.record).toEqual(record(id));
  });
});
