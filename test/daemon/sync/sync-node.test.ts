// The sync protocol end to end, simulated: one primary with 20,000 records and a stream of
// set/delete changes, two standbys, a lossy, reordering, duplicating network, and sequence
// numbers starting 1000 below 2^32 (every run crosses the wrap). After the stream stops, each
// standby's external cache must equal the primary's internal cache exactly (keys and stateHashes)
// within a bounded simulated time, and the counters must show how it got there.
import { afterAll, describe, expect, it } from 'vitest';
import type { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { conntrackPacking } from '../../../daemon/src/kernel/record-packing.js';
import { REJOIN_AFTER_SILENCE_MS } from '../../../daemon/src/sync/peer-table.js';
import { decodeFrame } from '../../../daemon/src/wire/frame-codec.js';
import { ChangeStream, makeConntrackRecord, makeRecord, SimCluster, settle, streamChanges } from './sim-cluster.js';

const NEAR_WRAP = 0xffffffff - 1000;
const TABLE = 20_000;
const report: string[] = [];

/** Key to payload, in hex, of every entry of a cache. */
function payloads(cache: FlowCache | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const snapshot = cache?.snapshot();
  for (let i = 0; i < (snapshot?.length ?? 0); i++) {
    const record = snapshot?.at(i);
    if (record !== undefined) out.set(Buffer.from(record.key).toString('hex'), Buffer.from(record.payload).toString('hex'));
  }
  return out;
}

function cluster(loss: number, seed: number, options = {}): { sim: SimCluster; changes: ChangeStream } {
  const sim = new SimCluster({ seed, loss, duplicate: 0.05, minDelayMs: 0.2, maxDelayMs: 5 });
  const changes = new ChangeStream(seed + 1, TABLE * 1.5);
  sim.start(1, { role: 'sender', table: changes.initial(TABLE), initialSeq: NEAR_WRAP, options });
  sim.start(2, { role: 'receiver', initialSeq: NEAR_WRAP, options });
  sim.start(3, { role: 'receiver', initialSeq: NEAR_WRAP, options });
  return { sim, changes };
}

describe('SyncNode over a simulated lossy network', () => {
  afterAll(() => {
    console.log(`convergence after the stream stopped (simulated time):\n${report.join('\n')}`);
  });

  it.each([0.1, 0.3])('converges exactly with %s loss, reordering and duplication across the 2^32 wrap', (loss) => {
    const { sim, changes } = cluster(loss, loss === 0.1 ? 10 : 30);
    streamChanges(sim, 1, changes, { ms: 2000, perMs: 10 });
    const took = settle(sim, 1, 5000);
    report.push(`  loss ${loss * 100} %: ${took} ms`);
    expect(took).toBeDefined();
    const primary = sim.member(1).node;
    // The stream wrapped: the last sequence number is past 0 again.
    expect(primary.status().lastSeq).toBeLessThan(NEAR_WRAP);
    expect(primary.counters.dataFramesSent).toBeGreaterThan(1000);
    expect(primary.counters.resentFrames).toBeGreaterThan(0);
    expect(primary.counters.nacksReceived).toBeGreaterThan(0);
    for (const id of [2, 3]) {
      const standby = sim.member(id).node.counters;
      expect(standby.nacksSent).toBeGreaterThan(0);
      expect(standby.joins).toBeGreaterThanOrEqual(1);
      // Network duplicates are dropped by the replay window, never applied twice.
      expect(standby.drops.replay).toBeGreaterThan(0);
    }
    expect(sim.network.stats.lost).toBeGreaterThan(0);
  });

  it('converges exactly on real conntrack records sent packed, in a fraction of the frames', () => {
    const frames: Record<string, number> = {};
    for (const packed of [false, true]) {
      const sim = new SimCluster({ seed: 50, loss: 0.1, duplicate: 0.05, minDelayMs: 0.2, maxDelayMs: 5 });
      const changes = new ChangeStream(51, 6_000, makeConntrackRecord);
      const packing = packed ? { packing: conntrackPacking } : {};
      sim.start(1, { role: 'sender', table: changes.initial(4_000), initialSeq: NEAR_WRAP, ...packing });
      sim.start(2, { role: 'receiver', initialSeq: NEAR_WRAP, ...packing });
      streamChanges(sim, 1, changes, { ms: 500, perMs: 10 });
      const took = settle(sim, 1, 5000);
      report.push(`  conntrack records, ${packed ? 'packed' : 'as they are'}, 10 % loss: ${took} ms`);
      expect(took).toBeDefined();
      expect(sim.member(2).node.counters.drops.malformed).toBe(0);
      // not only the keys and state hashes the convergence compares: the payloads, byte for byte
      expect(payloads(sim.member(2).external.peek(1))).toEqual(payloads(sim.member(1).internal));
      frames[String(packed)] = sim.member(1).node.counters.dataFramesSent;
    }
    expect(frames['true']).toBeLessThan((frames['false'] as number) / 2);
  });

  it('heals a resend queue overflow (tiny queue) with a targeted resync', () => {
    const { sim, changes } = cluster(0.1, 40, { resendQueueFrames: 32 });
    expect(settle(sim, 1, 20_000)).toBeDefined();
    const primary = sim.member(1).node.counters;
    const fullBefore = primary.fullResyncsStarted;
    // A burst: 20 changes per ms for 300 ms cannot fit 32 unacknowledged frames under 10 % loss.
    streamChanges(sim, 1, changes, { ms: 300, perMs: 20 });
    const took = settle(sim, 1, 20_000);
    report.push(`  tiny resend queue (32 frames), 10 % loss: ${took} ms`);
    expect(took).toBeDefined();
    expect(primary.resendQueueOverflows).toBeGreaterThan(0);
    expect(primary.skipsSent).toBeGreaterThan(0);
    // Repairs were bucket-targeted, not full resyncs.
    expect(primary.fullResyncsStarted).toBe(fullBefore);
    expect(primary.resyncsStarted).toBeGreaterThan(fullBefore);
    expect(sim.member(2).node.counters.skipsReceived + sim.member(3).node.counters.skipsReceived).toBeGreaterThan(0);
  });

  it('converges over a link slower than the join retry, where the standby is answered twice', () => {
    // One-way delays of 100-400 ms against the 300 ms joinRetryMs: the standby asks for a full
    // resync again before the first JOIN is back, and the primary answers each request with a
    // JOIN of its own. The standby follows the first; frames it then misses must still come.
    let joinsAnswered = 0;
    let stalled = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const sim = new SimCluster({ seed, loss: 0.05, minDelayMs: 100, maxDelayMs: 400 });
      sim.start(1, { role: 'sender', table: Array.from({ length: 200 }, (_, id) => makeRecord(id, 1)) });
      sim.start(2, { role: 'receiver' });
      if (settle(sim, 1, 60_000) === undefined) stalled++;
      joinsAnswered = Math.max(joinsAnswered, sim.member(1).node.counters.joinsSent);
    }
    expect(stalled).toBe(0);
    expect(joinsAnswered).toBeGreaterThan(1);
  });

  it('answers what a standby NACKs below the mark a JOIN it never got gave it', () => {
    // The standby asks again before the first answer is back; the primary's later JOINs are lost,
    // and so is every data frame sent before it: the standby follows the first JOIN and NACKs
    // frames the primary counts as acknowledged since its second.
    const sim = new SimCluster({ seed: 5, minDelayMs: 350, maxDelayMs: 350 });
    let joins = 0;
    const primaryAddress = sim.address(1);
    sim.network.tap((frame, from) => {
      const decoded = decodeFrame(sim.keys, frame);
      const type = decoded.ok && from === primaryAddress ? decoded.message.type : undefined;
      if (type === 'join') joins++;
      const lost = (type === 'join' && joins >= 2) || (type === 'data' && joins < 2);
      sim.network.setConditions({ loss: lost ? 1 : 0 });
    });
    sim.start(1, { role: 'sender', table: Array.from({ length: 50 }, (_, id) => makeRecord(id, 1)) });
    sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 30_000)).toBeDefined();
    expect(joins).toBeGreaterThan(1);
    expect(sim.member(2).node.counters.joins).toBe(1);
    // answered: with the frames, or (they left the queue when the second JOIN counted them as
    // acknowledged) with a SKIP past them, the full resync that JOIN started bringing the rest
    const primary = sim.member(1).node.counters;
    expect(primary.resentFrames + primary.skipsSent).toBeGreaterThan(0);
    expect(sim.member(2).external.peek(1)?.size).toBe(50);
  });

  it('joins a stream again after a silence long enough for 2^31 frames, where serial numbers cannot tell', () => {
    const sim = new SimCluster({ seed: 3 });
    const primary = sim.start(1, { role: 'sender', table: Array.from({ length: 50 }, (_, id) => makeRecord(id, 1)) });
    const standby = sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    sim.network.setUp(standby.address, false);
    sim.clock.advance(REJOIN_AFTER_SILENCE_MS + 60_000);
    // a stand-in for the 2^31 + 1000 frames the primary sent meanwhile (each lost to the standby)
    const outbound = primary.node.outbound as unknown as { nextSeq: number };
    outbound.nextSeq = (outbound.nextSeq + 2 ** 31 + 1000) >>> 0;
    for (let i = 0; i < 20; i++) primary.node.localChange({ op: 'set', record: makeRecord(1000 + i, 1) });
    primary.node.flush();
    sim.network.setUp(standby.address, true);
    expect(settle(sim, 1, 60_000)).toBeDefined();
    expect(standby.node.counters.rejoinsAfterSilence).toBe(1);
    expect(standby.external.peek(1)?.size).toBe(70);
  });

  it('resyncs a standby that restarts mid-stream (new epoch, empty cache)', () => {
    const { sim, changes } = cluster(0.1, 50);
    streamChanges(sim, 1, changes, { ms: 2000, perMs: 10, at: { 1000: () => sim.start(2, { role: 'receiver' }) } });
    const took = settle(sim, 1, 5000);
    report.push(`  standby restart, 10 % loss: ${took} ms`);
    expect(took).toBeDefined();
    const primary = sim.member(1).node.counters;
    expect(primary.peerRestarts).toBeGreaterThanOrEqual(1);
    expect(primary.fullResyncsStarted).toBeGreaterThanOrEqual(2);
    expect(sim.member(2).epoch).toBeGreaterThan(sim.member(3).epoch);
  });

  it('resyncs the standbys when the primary restarts, sweeping flows that ended meanwhile', () => {
    const { sim, changes } = cluster(0.1, 60);
    const restart = (): void => {
      // The kernel table survives a daemon restart, minus 500 flows that ended while it was down.
      const table = [...sim.member(1).internal.values()].map((flow) => flow.record).slice(500);
      sim.start(1, { role: 'sender', table });
    };
    streamChanges(sim, 1, changes, { ms: 2000, perMs: 10, at: { 1000: restart } });
    const took = settle(sim, 1, 5000);
    report.push(`  primary restart, 10 % loss: ${took} ms`);
    expect(took).toBeDefined();
    for (const id of [2, 3]) {
      const standby = sim.member(id).node.counters;
      expect(standby.peerRestarts).toBe(1);
      expect(standby.sweptEntries).toBeGreaterThanOrEqual(500);
    }
  });
});
