// Direct mode (SyncNode.withholds, SyncNode.adopt): what a new sender writes into its kernel of
// the old sender's frames sent as the sender, late or while both send, becomes a change of its
// own table, so that its stream carries it and, later, its close.
import { describe, expect, it } from 'vitest';
import type { FlowRecord, RecordChange } from '../../../daemon/src/model/record.js';
import { decodeFrame } from '../../../daemon/src/wire/frame-codec.js';
import { applyToKernel, deleteOf, makeRecord, recordHex, SimCluster, type SimKernel } from './sim-cluster.js';


/** A sender (1) and two receivers (2, 3) in direct mode, in sync; kernels as maps. */
function directCluster(seed: number) {
  const sim = new SimCluster({ seed });
  const initial = Array.from({ length: 20 }, (_, i) => makeRecord(i, 1));
  const kernels = new Map<number, SimKernel>([[1, new Map(initial.map((r) => [recordHex(r), r]))], [2, new Map()], [3, new Map()]]);
  const writes = new Map<number, number>();
  const write = (id: number) => (_origin: number, change: RecordChange) => {
    writes.set(id, (writes.get(id) ?? 0) + 1);
    applyToKernel(kernels.get(id)!, change);
  };
  const a = sim.start(1, { role: 'sender', table: initial, onExternalChange: write(1) });
  const b = sim.start(2, { role: 'receiver', onExternalChange: write(2) });
  sim.start(3, { role: 'receiver', onExternalChange: write(3) });
  expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
  /** Node 1's traffic opens or closes a connection (its kernel, then its event). */
  const traffic = (change: RecordChange) => {
    applyToKernel(kernels.get(1)!, change);
    a.node.localChange(change);
  };
  return { sim, a, b, kernels, traffic, writes };
}

/** Node 2, the sender, holds `x` in its kernel and its table (adopted); its traffic closes it
 *  (the kernel's DESTROY event), and the close reaches node 3's kernel. */
function expectAdoptedThenClosed({ sim, b, kernels }: ReturnType<typeof directCluster>, x: FlowRecord): void {
  expect(kernels.get(2)!.has(recordHex(x))).toBe(true);
  expect(b.internal.get(x.table, x.key)?.record.stateHash).toBe(x.stateHash);
  kernels.get(2)!.delete(recordHex(x));
  b.node.localChange(deleteOf(x));
  sim.clock.advance(5000);
  expect(kernels.get(3)!.has(recordHex(x))).toBe(false);
}

describe('direct mode: a new sender adopts the old sender\'s late frames sent as the sender', () => {
  it('a connection the old sender opened during the takeover\'s overlap reaches the receivers, and so does its close', () => {
    const cluster = directCluster(4);
    const { sim, a, b, kernels, traffic } = cluster;
    // node 2 takes over (reads its kernel, becomes the sender) 50 ms before node 1 steps down
    b.node.reconcileTable([...kernels.get(2)!.values()]);
    b.node.becomeSender();
    sim.clock.advance(10);
    const x = makeRecord(500, 1);
    traffic({ op: 'set', record: x });
    sim.clock.advance(40);
    a.node.becomeReceiver();
    a.internal.clear();
    sim.clock.advance(5000);
    expectAdoptedThenClosed(cluster, x);
    expect(kernels.get(1)!.has(recordHex(x))).toBe(false);
  });

  it('a frame the old sender sent as the sender that arrives after it stepped down is adopted', () => {
    const cluster = directCluster(5);
    const { sim, a, b, kernels, traffic } = cluster;
    const x = makeRecord(600, 1);
    // node 1's last two frames as the sender: node 2 loses the first (a change of another
    // connection) once, buffers the second (x) and applies it, resent the first, after node 1
    // stepped down and node 2 took over
    const y = makeRecord(601, 1);
    const lostSeq = a.node.outbound.lastSeq + 1;
    let lost = true;
    sim.network.tap((frame, from, to) => {
      const decoded = decodeFrame(sim.keys, frame);
      const drop = lost && decoded.ok && decoded.message.type === 'data' && decoded.header.seq === lostSeq && from === a.address && to === b.address;
      sim.network.setConditions({ loss: drop ? 1 : 0 });
    });
    traffic({ op: 'set', record: y });
    a.node.flush();
    traffic({ op: 'set', record: x });
    a.node.flush();
    sim.clock.advance(5);
    expect(kernels.get(2)!.has(recordHex(x))).toBe(false); // waiting for the lost frame
    a.node.becomeReceiver();
    a.internal.clear();
    sim.clock.advance(5);
    lost = false;
    b.node.reconcileTable([...kernels.get(2)!.values()]);
    b.node.becomeSender();
    expect(b.node.peers.get(1)?.role).toBe('receiver');
    sim.clock.advance(5000); // node 2 asks again for the frame it missed; node 1 resends it
    expectAdoptedThenClosed(cluster, x);
  });

  it('two senders alongside each other do not trade each other\'s versions of a connection for ever', () => {
    const { sim, a, b, kernels, traffic, writes } = directCluster(6);
    writes.clear();
    b.node.reconcileTable([...kernels.get(2)!.values()]);
    b.node.becomeSender();
    sim.clock.advance(5);
    // both change one connection at once, each its own way
    const own = makeRecord(3, 7);
    traffic({ op: 'set', record: makeRecord(3, 6) });
    applyToKernel(kernels.get(2)!, { op: 'set', record: own });
    b.node.localChange({ op: 'set', record: own });
    sim.clock.advance(3000);
    const written = [...writes.values()];
    sim.clock.advance(3000);
    expect([...writes.values()]).toEqual(written); // quiet again: nothing written back and forth
    // node 2 keeps its traffic's version, in its kernel and its table alike
    expect(kernels.get(2)!.get(recordHex(own))?.stateHash).toBe(own.stateHash);
    expect(b.internal.get(own.table, own.key)?.record.stateHash).toBe(own.stateHash);
  });
});
