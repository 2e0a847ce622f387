// Direct mode (SyncNode.kernelHolds, SyncNode.sweepStrays): kernel entries no copy can delete (held
// before the daemon restarted, or written from an earlier sender's copy that the live sender's
// table lacks) are deleted at the end of the live sender's full resync.
import { describe, expect, it } from 'vitest';
import type { FlowRecord, RecordChange } from '../../../daemon/src/model/record.js';
import { decodeFrame } from '../../../daemon/src/wire/frame-codec.js';
import { applyToKernel, deleteOf, makeRecord, recordHex, SimCluster, type SimKernel } from './sim-cluster.js';


const initial = Array.from({ length: 50 }, (_, i) => makeRecord(i, 1));

/** Three nodes in direct mode, in sync on `initial`; node 2's kernel writes every change but the set of `lost` (its write fails). */
function threeWithoutLostOnNode2(sim: SimCluster) {
  const kernels = new Map<number, SimKernel>([[1, new Map(initial.map((r) => [recordHex(r), r]))], [2, new Map()], [3, new Map()]]);
  const lost = makeRecord(500, 1);
  const write = (id: number) => (_origin: number, change: RecordChange) => {
    if (id !== 2 || change.op !== 'set' || recordHex(change.record) !== recordHex(lost)) applyToKernel(kernels.get(id)!, change);
  };
  const a = sim.start(1, { role: 'sender', table: initial, onExternalChange: write(1) });
  const b = sim.start(2, { role: 'receiver', onExternalChange: write(2) });
  const c = sim.start(3, { role: 'receiver', onExternalChange: write(3) });
  expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
  return { kernels, lost, a, b, c };
}

describe('direct mode: stray kernel entries', () => {
  it('a receiver whose daemon restarted deletes what its kernel held and the sender closed meanwhile', () => {
    const sim = new SimCluster({ seed: 3 });
    const kernel: SimKernel = new Map();
    const write = (_origin: number, change: RecordChange) => applyToKernel(kernel, change);
    const a = sim.start(1, { role: 'sender', table: initial });
    sim.start(2, { role: 'receiver', onExternalChange: write });
    expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
    expect(kernel.size).toBe(50);
    sim.member(2).node.stop(); // half-syncd restarts; the kernel keeps its table
    for (const r of initial.slice(0, 10)) a.node.localChange(deleteOf(r));
    a.node.localChange({ op: 'set', record: makeRecord(20, 2) });
    sim.clock.advance(2000);
    const b = sim.start(2, { role: 'receiver', onExternalChange: write });
    b.node.kernelHolds(kernel.values());
    sim.clock.advance(20_000);
    expect(sim.inSync(1, 2)).toBe(true);
    expect([...kernel.keys()].sort()).toEqual([...a.internal.values()].map((f) => recordHex(f.record)).sort());
    expect(kernel.get(recordHex(makeRecord(20, 2)))?.stateHash).toBe(makeRecord(20, 2).stateHash);
    expect(b.node.counters.strayDirectDeletes).toBe(10);
  });

  it('a receiver deletes what an earlier sender\'s copy wrote into its kernel and the new sender\'s table lacks', () => {
    const sim = new SimCluster({ seed: 4 });
    const { kernels, lost, a, b, c } = threeWithoutLostOnNode2(sim);
    a.node.localChange({ op: 'set', record: lost });
    sim.clock.advance(1000);
    expect(kernels.get(3)!.has(recordHex(lost))).toBe(true);
    a.node.becomeReceiver();
    a.internal.clear();
    sim.clock.advance(100);
    b.node.reconcileTable([...kernels.get(2)!.values()]);
    b.node.becomeSender();
    sim.clock.advance(5000);
    expect(sim.inSync(2, 3)).toBe(true);
    expect(kernels.get(3)!.has(recordHex(lost)), 'node 3 would serve it at its takeover').toBe(false);
    expect(c.external.peek(1)?.get(lost.table, lost.key)).toBeUndefined();
    expect(kernels.get(3)!.size).toBe(50);
  });

  it('a receiver writes a late close of a stepped-down sender when the live sender\'s copy lacks the connection', () => {
    const sim = new SimCluster({ seed: 7 });
    const { kernels, lost, a, b, c } = threeWithoutLostOnNode2(sim);
    applyToKernel(kernels.get(1)!, { op: 'set', record: lost });
    a.node.localChange({ op: 'set', record: lost });
    sim.clock.advance(1000);
    expect(kernels.get(3)!.has(recordHex(lost))).toBe(true);
    // node 3 loses node 1's and node 2's data frames for a while (their control frames pass)
    const dropping = new Set<string>([a.address]);
    sim.network.tap((frame, from, to) => {
      const decoded = decodeFrame(sim.keys, frame);
      const drop = to === c.address && dropping.has(from) && decoded.ok && decoded.message.type === 'data';
      sim.network.setConditions({ loss: drop ? 1 : 0 });
    });
    applyToKernel(kernels.get(1)!, deleteOf(lost));
    a.node.localChange(deleteOf(lost)); // node 1 closes it, still the sender
    sim.clock.advance(20);
    dropping.add(b.address);
    b.node.reconcileTable([...kernels.get(2)!.values()]);
    b.node.becomeSender();
    sim.clock.advance(20);
    a.node.becomeReceiver();
    a.internal.clear();
    dropping.delete(a.address);
    sim.clock.advance(1000); // node 1 resends its close, as a receiver now
    expect(c.external.peek(1)?.has(lost.table, lost.key)).toBe(false);
    dropping.clear();
    sim.clock.advance(5000);
    expect(sim.inSync(2, 3)).toBe(true);
    expect(kernels.get(3)!.has(recordHex(lost)), 'node 3 would serve it at its takeover').toBe(false);
  });

  for (const overlap of [false, true]) {
    it(`a sender that steps down deletes what its table held and the new sender\'s lacks (${overlap ? 'after' : 'before'} the takeover)`, () => {
      const sim = new SimCluster({ seed: 6 });
      const kernels = new Map<number, SimKernel>([[1, new Map(initial.map((r) => [recordHex(r), r]))], [2, new Map()]]);
      const lost = makeRecord(500, 1);
      // node 2's kernel never got `lost` (its write failed)
      const write = (id: number) => (_origin: number, change: RecordChange) => {
        if (id !== 2 || change.op !== 'set' || recordHex(change.record) !== recordHex(lost)) applyToKernel(kernels.get(id)!, change);
      };
      const a = sim.start(1, { role: 'sender', table: initial, onExternalChange: write(1) });
      const b = sim.start(2, { role: 'receiver', onExternalChange: write(2) });
      expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
      applyToKernel(kernels.get(1)!, { op: 'set', record: lost });
      a.node.localChange({ op: 'set', record: lost });
      sim.clock.advance(1000);
      const stepDown = () => {
        a.node.becomeReceiver();
        a.internal.clear();
      };
      if (!overlap) stepDown();
      b.node.reconcileTable([...kernels.get(2)!.values()]);
      b.node.becomeSender();
      sim.clock.advance(1000);
      if (overlap) stepDown();
      sim.clock.advance(5000);
      expect(sim.inSync(2, 1)).toBe(true);
      expect(kernels.get(1)!.has(recordHex(lost)), 'node 1 would serve it at its takeover').toBe(false);
      expect(kernels.get(1)!.size).toBe(50);
    });
  }

  it('keeps what a peer sending alongside the sender (a split brain) holds', () => {
    const sim = new SimCluster({ seed: 5 });
    const kernel: SimKernel = new Map();
    const a = sim.start(1, { role: 'sender', table: initial });
    const b = sim.start(2, { role: 'receiver' });
    sim.start(3, { role: 'receiver', onExternalChange: (_origin, change) => applyToKernel(kernel, change) });
    expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
    // node 2 becomes the sender too, its table without node 1's connections
    b.node.becomeSender();
    sim.clock.advance(5000);
    expect(sim.inSync(2, 3)).toBe(true);
    expect(kernel.size).toBe(50);
    expect(sim.member(3).node.counters.strayDirectDeletes).toBe(0);
    void a;
  });

  it('a node stepping down does not sweep its kernel by a full resync of the new sender\'s earlier time as the sender', () => {
    const sim = new SimCluster({ seed: 9 });
    const kernels = new Map<number, SimKernel>([[1, new Map(initial.map((r) => [recordHex(r), r]))], [2, new Map()]]);
    const deleted: string[] = [];
    const write = (id: number) => (_origin: number, change: RecordChange) => {
      if (id === 2 && change.op === 'delete') deleted.push(recordHex(change));
      applyToKernel(kernels.get(id)!, change);
    };
    const a = sim.start(1, { role: 'sender', table: initial, onExternalChange: write(1) });
    const b = sim.start(2, { role: 'receiver', onExternalChange: write(2) });
    expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
    // A steps down, B takes over and serves 10 new connections
    a.node.becomeReceiver();
    a.internal.clear();
    sim.clock.advance(300);
    b.node.reconcileTable([...kernels.get(2)!.values()]);
    b.node.becomeSender();
    const served = Array.from({ length: 10 }, (_, i) => makeRecord(600 + i, 1));
    for (const r of served) (b.node.localChange({ op: 'set', record: r }), kernels.get(2)!.set(recordHex(r), r));
    expect(sim.clock.advanceUntil(() => sim.inSync(2, 1), 5000, 10)).toBeDefined();
    // failback: A's HELLO and data frames to B are lost for a while, its ALIVEs come
    let dropUntil = sim.clock.now() + 2000;
    sim.network.tap((frame, from, to) => {
      const decoded = decodeFrame(sim.keys, frame);
      const drop = from === a.address && to === b.address && decoded.ok && decoded.message.type !== 'alive' && sim.clock.now() < dropUntil;
      sim.network.setConditions({ loss: drop ? 1 : 0 });
    });
    a.node.reconcileTable([...b.internal.values()].map((f) => f.record));
    a.node.becomeSender();
    sim.clock.advance(600);
    expect(b.node.peerSends(), 'B heard A\'s ALIVE as the sender').toBe(true);
    // B steps down before A's new resync reached it: its only ended resync of A is of A's earlier time
    b.node.becomeReceiver();
    b.internal.clear();
    expect(deleted.filter((k) => served.some((r) => recordHex(r) === k)), 'connections A serves, deleted from B\'s kernel').toEqual([]);
    dropUntil = 0;
    sim.clock.advance(10_000);
    expect(sim.inSync(1, 2)).toBe(true);
    expect(served.every((r) => kernels.get(2)!.has(recordHex(r)))).toBe(true);
    expect(b.node.counters.strayDirectDeletes).toBe(0);
  });
});
