// The sync node's tick keeps both caches compact: after a flush of the primary's table (every
// entry deleted in a burst), the primary's internal cache and the standby's external cache let
// their emptied arena chunks go within a few ticks, and neither moved an entry to do it.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { SimCluster, makeRecord, settle } from './sim-cluster.js';

const TABLE = 20_000;

describe('SyncNode housekeeping of its caches', () => {
  it('lets the arena chunks a flush emptied go on both nodes, without moving entries', () => {
    const sim = new SimCluster({ seed: 4 });
    const records = Array.from({ length: TABLE }, (_, id) => makeRecord(id, 1));
    const primary = sim.start(1, { role: 'sender', table: records });
    const standby = sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 10_000)).toBeDefined();
    const external = () => standby.external.peek(1);
    expect(external()?.size).toBe(TABLE);
    const chunks = { internal: primary.internal.arenaChunks, external: external()?.arenaChunks ?? 0 };
    expect(chunks.internal).toBeGreaterThan(5);
    expect(chunks.external).toBeGreaterThan(5);
    // the flush, in the kernel's (random) order, 2,000 deletes per simulated ms
    const prng = new Prng(8);
    const order = records.map((record) => ({ record, at: prng.next() })).sort((a, b) => a.at - b.at);
    for (let i = 0; i < TABLE; i++) {
      const { table, key } = order[i]?.record as (typeof records)[number];
      primary.node.localChange({ op: 'delete', table, key });
      if (i % 2000 === 1999) sim.clock.advance(1);
    }
    expect(settle(sim, 1, 10_000)).toBeDefined();
    sim.clock.advance(50);
    expect(external()?.size).toBe(0);
    expect(primary.internal.arenaChunks).toBeLessThanOrEqual(1);
    expect(external()?.arenaChunks).toBeLessThanOrEqual(1);
    expect(primary.internal.movedEntries).toBe(0);
    expect(external()?.movedEntries).toBe(0);
  });
});
