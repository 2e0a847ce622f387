// Hostile frames injected into the simulated network: forged, replayed, foreign-cluster,
// stale-epoch, wrong-version, malformed and wrong-source frames are dropped, each counted under
// its reason, and never change a cache. The replayed frames are chosen so that accepting them
// would visibly resurrect deleted flows.
import { beforeAll, describe, expect, it } from 'vitest';
import { Table } from '../../../daemon/src/model/record.js';
import { decodeFrame, encodeFrame, sealBody } from '../../../daemon/src/wire/frame-codec.js';
import { readHeader, WIRE_VERSION } from '../../../daemon/src/wire/frame-header.js';
import { MAX_PEERS } from '../../../daemon/src/sync/peer-table.js';
import { seqAdd } from '../../../daemon/src/sync/serial.js';
import { FrameKeys, PROVEN_KEYS } from '../../../daemon/src/wire/keys.js';
import type { StreamEntry } from '../../../daemon/src/wire/messages.js';
import { CLUSTER_ID, CLUSTER_KEY, ChangeStream, SimCluster, makeRecord, settle, streamChanges } from './sim-cluster.js';

interface Captured {
  readonly frame: Uint8Array;
  readonly from: string;
  readonly to: string;
}

describe('SyncNode against hostile frames', () => {
  const sim = new SimCluster({ seed: 77, loss: 0, duplicate: 0, minDelayMs: 0.2, maxDelayMs: 2 });
  const changes = new ChangeStream(78, 3000);
  const captured: Captured[] = [];
  const target = '203.0.113.2';
  let oldEpochFrame: Captured;
  let replayable: Captured;
  let snapshot: () => string;

  beforeAll(() => {
    sim.network.tap((frame, from, to) => captured.push({ frame: Uint8Array.from(frame), from, to }));
    sim.start(1, { role: 'sender', table: changes.initial(2000) });
    sim.start(2, { role: 'receiver' });
    sim.start(3, { role: 'receiver' });
    streamChanges(sim, 1, changes, { ms: 200, perMs: 5 });
    expect(settle(sim, 1, 5000)).toBeDefined();
    oldEpochFrame = captured.find((c) => c.from === '203.0.113.1' && c.to === target) as Captured;
    // Restart the primary (new epoch): the frames captured so far are from a stale epoch.
    sim.start(1, { role: 'sender', table: [...sim.member(1).internal.values()].map((flow) => flow.record) });
    const epoch = sim.member(1).epoch;
    const rejoined = (): boolean =>
      [2, 3].every((id) => sim.member(id).node.status().peers.some((p) => p.nodeId === 1 && p.epoch === epoch && p.joined)) &&
      sim.member(1).node.status().resyncInProgress === false;
    expect(sim.clock.advanceUntil(rejoined, 5000, 10)).toBeDefined();
    expect(settle(sim, 1, 5000)).toBeDefined();
    // A current-epoch data frame with records, whose flows we then delete on the primary.
    replayable = captured.find((c) => {
      if (c.from !== '203.0.113.1' || c.to !== target || readHeader(Buffer.from(c.frame)).bootEpoch !== epoch) return false;
      const decoded = decodeFrame(sim.keys, c.frame);
      return decoded.ok && decoded.message.type === 'data' && decoded.message.entries.some((e) => e.kind === 'set');
    }) as Captured;
    const decoded = decodeFrame(sim.keys, replayable.frame);
    const entries: readonly StreamEntry[] = decoded.ok && decoded.message.type === 'data' ? decoded.message.entries : [];
    for (const entry of entries) {
      if (entry.kind === 'set') sim.member(1).node.localChange({ op: 'delete', table: entry.record.table, key: entry.record.key });
    }
    expect(settle(sim, 1, 5000)).toBeDefined();
    const external = sim.member(2).external;
    snapshot = () => external.origins().map((o) => `${o}:${external.peek(o)?.size}:${Array.from({ length: 1024 }, (_, b) => external.peek(o)?.bucketDigest(b)).join(',')}`).join('|');
  });

  function latestCounter(nodeId: number): number {
    const frames = captured.map((c) => readHeader(Buffer.from(c.frame))).filter((h) => h.nodeId === nodeId);
    return Math.max(...frames.map((h) => h.counter));
  }

  function inject(frame: Uint8Array, from = '203.0.113.1'): void {
    sim.network.inject(frame, from, target);
    sim.clock.advance(50);
  }

  it.each([
    ['a frame altered in flight', 'forged', () => {
      const frame = Uint8Array.from(replayable.frame);
      frame[40] = (frame[40] as number) ^ 0x01;
      return frame;
    }],
    ['a frame sealed with another cluster key', 'forged', () =>
      encodeFrame(new FrameKeys(Buffer.alloc(32, 1), CLUSTER_ID), { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID, nodeId: 1, bootEpoch: sim.member(1).epoch, seq: 0, counter: 1e9 }, { type: 'data', entries: [{ kind: 'set', record: makeRecord(999_999, 1) }] })],
    ['a replay of a frame already received', 'replay', () => replayable.frame],
    ['a frame of another cluster', 'foreignCluster', () =>
      encodeFrame(new FrameKeys(CLUSTER_KEY, CLUSTER_ID + 1), { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID + 1, nodeId: 1, bootEpoch: sim.member(1).epoch, seq: 0, counter: 1e9 }, { type: 'hello', role: 'sender' })],
    ['an authentic frame of an earlier boot epoch', 'staleEpoch', () => oldEpochFrame.frame],
    ['a frame of a future wire version', 'badVersion', () => {
      const frame = Uint8Array.from(replayable.frame);
      frame[2] = WIRE_VERSION + 1;
      return frame;
    }],
    ['a runt datagram', 'malformed', () => Uint8Array.from([0x48, 0x53, WIRE_VERSION, 0, 1, 2])],
    ['an authentic frame whose body does not decode', 'malformed', () =>
      // Insider-made (it has the key): a fresh counter and a sequence number not yet applied.
      sealBody(sim.keys, { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID, nodeId: 1, bootEpoch: sim.member(1).epoch, seq: sim.member(1).node.status().lastSeq + 1, counter: latestCounter(1) + 5000 }, Buffer.from([1, 1, 9]))],
  ] as const)('drops %s as %s without touching the caches', (_, reason, make) => {
    const node = sim.member(2).node;
    const before = { ...node.counters.drops };
    const cache = snapshot();
    inject(make());
    expect(node.counters.drops).toEqual({ ...before, [reason]: before[reason] + 1 });
    expect(snapshot()).toBe(cache);
  });

  it('drops authentic frames from a non-sync address, or claiming to be the receiver itself', () => {
    const node = sim.member(2).node;
    const before = node.counters.drops.wrongSource;
    const ownBefore = node.counters.drops.ownNodeId;
    const cache = snapshot();
    inject(encodeFrame(sim.keys, { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID, nodeId: 9, bootEpoch: 1, seq: 0, counter: 0 }, { type: 'data', entries: [{ kind: 'set', record: makeRecord(424242, 1) }] }), '192.0.2.66');
    inject(encodeFrame(sim.keys, { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID, nodeId: 2, bootEpoch: 1, seq: 0, counter: 0 }, { type: 'hello', role: 'sender' }), '203.0.113.3');
    expect(node.counters.drops.wrongSource).toBe(before + 1);
    // from a peer's address, with the receiver's own id: a second node configured with its id
    expect(node.counters.drops.ownNodeId).toBe(ownBefore + 1);
    expect(snapshot()).toBe(cache);
    expect(sim.member(2).external.peek(9)).toBeUndefined();
  });

  it('keeps no more than MAX_PEERS peers, nor ids half.conf cannot give, however many ids a node with the key uses', () => {
    const node = sim.member(2).node;
    const peersBefore = [...node.peers.values()].length;
    const before = node.counters.drops.peerLimit;
    const ids = Array.from({ length: 1100 }, (_, i) => 100 + i);
    for (const nodeId of [...ids, 0, 70_000]) {
      inject(encodeFrame(sim.keys, { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID, nodeId, bootEpoch: 1, seq: 0, counter: 0 }, { type: 'hello', role: 'sender' }));
    }
    const peers = [...node.peers.values()];
    expect(peers).toHaveLength(MAX_PEERS);
    expect(node.counters.drops.peerLimit).toBe(before + 1100 - (MAX_PEERS - peersBefore) + 2);
    expect(sim.member(2).external.origins().length).toBeLessThanOrEqual(MAX_PEERS);
    expect(sim.keys.cached.proven).toBeLessThanOrEqual(PROVEN_KEYS);
    // the cluster's own nodes, known before, still replicate
    expect(sim.allInSync(1)).toBe(true);
  });

  it('did not resurrect the flows the replayed frame carried, and stays in sync', () => {
    const decoded = decodeFrame(sim.keys, replayable.frame);
    const sets = decoded.ok && decoded.message.type === 'data' ? decoded.message.entries.filter((e) => e.kind === 'set') : [];
    expect(sets.length).toBeGreaterThan(0);
    for (const entry of sets) {
      if (entry.kind === 'set') expect(sim.member(2).external.peek(1)?.get(entry.record.table, entry.record.key)).toBeUndefined();
    }
    expect(sim.member(2).external.peek(1)?.get(Table.conntrack, makeRecord(999_999, 1).key)).toBeUndefined();
    expect(sim.allInSync(1)).toBe(true);
  });

  it.each(['skip', 'join'] as const)('drops an authentic %s past its frame\'s last sequence number as malformed, and the stream goes on', (type) => {
    const node = sim.member(2).node;
    const before = { ...node.counters.drops };
    const last = sim.member(1).node.status().lastSeq;
    const far = seqAdd(last, 0x7fff_ffff);
    const header = { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID, nodeId: 1, bootEpoch: sim.member(1).epoch, seq: last, counter: latestCounter(1) + (type === 'skip' ? 100 : 101) };
    const target = { target: 2, targetEpoch: sim.member(2).epoch };
    inject(encodeFrame(sim.keys, header, type === 'skip' ? { type, ...target, to: far } : { type, ...target, start: far }));
    expect(node.counters.drops).toEqual({ ...before, malformed: before.malformed + 1 });
    streamChanges(sim, 1, changes, { ms: 100, perMs: 5 });
    expect(settle(sim, 1, 5000), 'node 2 follows node 1\'s stream still').toBeDefined();
  });

});

describe('SyncNode whose place in a stream a corrupt frame moved past its end', () => {
  it('rejoins at the origin\'s next word (its stream ends before that place), and converges', () => {
    const sim = new SimCluster({ seed: 79, loss: 0, duplicate: 0, minDelayMs: 0.2, maxDelayMs: 2 });
    const changes = new ChangeStream(80, 3000);
    const counters: number[] = [];
    sim.network.tap((frame, from) => {
      if (from === '203.0.113.1') counters.push(readHeader(Buffer.from(frame)).counter);
    });
    sim.start(1, { role: 'sender', table: changes.initial(500) });
    sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    const node = sim.member(2).node;
    const far = seqAdd(sim.member(1).node.status().lastSeq, 0x4000_0000);
    // a header that says the stream goes that far: nothing in the frame contradicts it
    const header = { version: WIRE_VERSION, flags: 0, clusterId: CLUSTER_ID, nodeId: 1, bootEpoch: sim.member(1).epoch, seq: far, counter: Math.max(...counters) + 20 };
    sim.network.inject(encodeFrame(sim.keys, header, { type: 'join', target: 2, targetEpoch: sim.member(2).epoch, start: far }), '203.0.113.1', '203.0.113.2');
    sim.clock.advance(50);
    expect(node.peers.get(1)?.inbound.isDuplicate(seqAdd(far, -1)), 'node 2 took the corrupt place').toBe(true);
    streamChanges(sim, 1, changes, { ms: 300, perMs: 5 });
    expect(settle(sim, 1, 10_000), 'node 1\'s next word shows its stream ends far before: node 2 rejoins').toBeDefined();
    expect(node.counters.rejoinsAhead).toBe(1);
  });
});
