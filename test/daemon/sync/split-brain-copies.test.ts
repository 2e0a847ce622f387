// A split brain of three nodes (external-cache mode): node 2 takes over while node 1 still
// sends, then one of them steps down. What only the loser served reaches the winner's kernel
// (its merge, FrozenCopyUpkeep), and the third node's copy of the loser does not outlive it.
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../daemon/src/model/record.js';
import { decodeFrame } from '../../../daemon/src/wire/frame-codec.js';
import { makeRecord, recordHex, SimCluster, type SimMember } from './sim-cluster.js';

type Kernel = Map<string, FlowRecord>;

/** What a commit on this node writes: every copy, the one that stopped sending longest ago first. */
function commitView(m: SimMember): Kernel {
  const view: Kernel = new Map();
  for (const origin of m.node.originsByLastSending()) for (const flow of m.external.peek(origin)?.values() ?? []) view.set(recordHex(flow.record), flow.record);
  return view;
}

/** A takeover: commit the copies, forget the frozen ones, re-read the table, send. */
function takeover(m: SimMember, kernel: Kernel): void {
  m.node.takeoverBegins();
  for (const [key, record] of commitView(m)) kernel.set(key, record);
  m.node.forgetFrozenCopies();
  m.node.reconcileTable([...kernel.values()]);
  m.node.becomeSender();
}

/** One round of the daemon's FrozenCopyUpkeep: a create-only merge, the table re-read, then the copies forgotten. */
function upkeep(m: SimMember, kernel: Kernel): number {
  const overlapped = m.node.overlappedCopies();
  const records = overlapped.length > 0 ? m.external.changedSince(overlapped, (flow) => m.node.closedSince(flow)) : [];
  if (records.length === 0) {
    m.node.forgetFrozenCopies();
    return 0;
  }
  for (const record of records) if (!kernel.has(recordHex(record))) kernel.set(recordHex(record), record);
  m.node.reconcileTable([...kernel.values()]);
  m.node.forgetFrozenCopies(overlapped.map((o) => o.origin));
  return records.length;
}

function startThree(sim: SimCluster, count: number): { a: SimMember; b: SimMember; c: SimMember; ka: Kernel; kb: Kernel } {
  const initial = Array.from({ length: count }, (_, i) => makeRecord(i, 1));
  const a = sim.start(1, { role: 'sender', table: initial });
  const b = sim.start(2, { role: 'receiver' });
  const c = sim.start(3, { role: 'receiver' });
  expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
  return { a, b, c, ka: new Map(initial.map((r) => [recordHex(r), r])), kb: new Map() };
}

/** Loses the frames `lose` picks (by sender, receiver and message type) while it says so. */
function dropWhere(sim: SimCluster, lose: (from: string, to: string, type: string | undefined) => boolean): void {
  sim.network.tap((frame, from, to) => {
    const decoded = decodeFrame(sim.keys, frame);
    sim.network.setConditions({ loss: lose(from, to, decoded.ok ? decoded.message.type : undefined) ? 1 : 0 });
  });
}

/** `m`, the sender, serves 20 new connections (ids from `first`), one every 50 ms, in its kernel `kernel`. */
function serve(sim: SimCluster, m: SimMember, kernel: Map<string, FlowRecord>, first: number): FlowRecord[] {
  const served = Array.from({ length: 20 }, (_, i) => makeRecord(first + i, 1));
  for (const record of served) {
    m.node.localChange({ op: 'set', record });
    kernel.set(recordHex(record), record);
    sim.clock.advance(50);
  }
  return served;
}

describe('split brain of three nodes, then one steps down', () => {
  it('empties, on the third node, the loser\'s copy once the winner has merged it: a takeover there brings back none of what the winner closed', () => {
    const sim = new SimCluster({ seed: 5 });
    const { a, b, c, ka, kb } = startThree(sim, 100);
    takeover(b, kb);
    for (let i = 0; i < 50; i++) {
      const record = makeRecord(1000 + i, 1);
      b.node.localChange({ op: 'set', record });
      kb.set(recordHex(record), record);
      sim.clock.advance(30);
    }
    b.node.becomeReceiver();
    b.internal.clear();
    sim.clock.advance(1000);
    expect(upkeep(a, ka)).toBeGreaterThanOrEqual(50);
    sim.clock.advance(2000);
    // the winner closes every connection, the merged ones too
    for (const record of [...ka.values()]) {
      a.node.localChange({ op: 'delete', table: record.table, key: record.key });
      ka.delete(recordHex(record));
    }
    for (let t = 0; t < 30; t++) {
      sim.clock.advance(1000);
      upkeep(a, ka);
    }
    expect(c.external.peek(1)?.size ?? 0).toBe(0);
    expect(c.external.peek(2)?.size ?? 0).toBe(0);
    expect(c.node.counters.supersededCopies).toBe(1);
    expect(commitView(c).size).toBe(0);
  });

  it('merges, on the winner, a frame the loser sent as the sender that comes only as a resend after its step-down', () => {
    const sim = new SimCluster({ seed: 6, minDelayMs: 2, maxDelayMs: 2 });
    const { a, b, ka, kb } = startThree(sim, 20);
    takeover(b, kb);
    sim.clock.advance(1500);
    // B's data frames to A are lost for its last 5 ms as the sender (one frame: a new connection)
    let lose = true;
    dropWhere(sim, (from, to, type) => lose && from === b.address && to === a.address && type === 'data');
    const record = makeRecord(5000, 1);
    b.node.localChange({ op: 'set', record });
    kb.set(recordHex(record), record);
    sim.clock.advance(5);
    lose = false;
    b.node.becomeReceiver();
    b.internal.clear();
    // A's upkeep runs right after B's HELLO, before the NACK's resend arrives, then every second
    sim.clock.advance(3);
    expect(a.node.peers.get(2)?.role).toBe('receiver');
    upkeep(a, ka);
    for (let t = 0; t < 10; t++) {
      sim.clock.advance(1000);
      upkeep(a, ka);
    }
    expect(ka.has(recordHex(record))).toBe(true);
    expect(a.external.peek(2)?.size ?? 0).toBe(0);
  });

  it('merges, on the winner, what the loser sent before the winner heard it send (its HELLO as the sender lost)', () => {
    const sim = new SimCluster({ seed: 7, minDelayMs: 1, maxDelayMs: 1 });
    const { a, b, ka, kb } = startThree(sim, 20);
    // B's HELLO saying it sends does not reach A; its full resync and first connection do
    dropWhere(sim, (from, to, type) => from === b.address && to === a.address && type === 'hello');
    const record = makeRecord(6000, 1);
    kb.set(recordHex(record), record);
    takeover(b, kb);
    sim.clock.advance(5);
    expect(a.node.peers.get(2)?.role).toBe('receiver');
    sim.clock.advance(1500);
    expect(a.node.peers.get(2)?.role).toBe('sender');
    b.node.becomeReceiver();
    b.internal.clear();
    for (let t = 0; t < 5; t++) {
      sim.clock.advance(1000);
      upkeep(a, ka);
    }
    expect(ka.has(recordHex(record))).toBe(true);
  });

  it('merges, on the winner, what the loser sent over a cut sync link, resent once it heals after the step-down, but none of what the winner closed meanwhile', () => {
    const sim = new SimCluster({ seed: 8, minDelayMs: 1, maxDelayMs: 1 });
    const { a, b, ka, kb } = startThree(sim, 20);
    sim.network.block(a.address, b.address);
    sim.network.block(b.address, a.address);
    takeover(b, kb);
    const served = serve(sim, b, kb, 7000);
    // the winner closes one of its connections, which the loser's full resync still carries
    const closed = makeRecord(5, 1);
    a.node.localChange({ op: 'delete', table: closed.table, key: closed.key });
    ka.delete(recordHex(closed));
    sim.clock.advance(200);
    expect(a.node.peers.get(2)?.role).toBe('receiver');
    b.node.becomeReceiver();
    b.internal.clear();
    sim.clock.advance(100);
    sim.network.block(a.address, b.address, false);
    sim.network.block(b.address, a.address, false);
    for (let t = 0; t < 6; t++) {
      sim.clock.advance(1000);
      upkeep(a, ka);
    }
    expect(served.filter((record) => !ka.has(recordHex(record)))).toEqual([]);
    expect(ka.has(recordHex(closed))).toBe(false);
    expect(a.external.peek(2)?.size ?? 0).toBe(0);
  });

  it('merges, on the winner, what the loser resent as the sender once a cut sync link healed, when no word of it as the sender came before its step-down', () => {
    const sim = new SimCluster({ seed: 9, minDelayMs: 1, maxDelayMs: 1 });
    const { a, b, ka, kb } = startThree(sim, 20);
    // B to A: nothing while the link is cut, then no ALIVE or HELLO while B is the sender
    let cut = true;
    dropWhere(sim, (from, to, type) => from === b.address && to === a.address && (cut || ((type === 'alive' || type === 'hello') && b.node.role === 'sender')));
    sim.network.block(a.address, b.address);
    takeover(b, kb);
    const served = serve(sim, b, kb, 8000);
    cut = false;
    sim.network.block(a.address, b.address, false);
    // B's next frame shows A the gap: A's NACKs reach B, which resends, as the sender still
    const last = makeRecord(8020, 1);
    b.node.localChange({ op: 'set', record: last });
    kb.set(recordHex(last), last);
    served.push(last);
    sim.clock.advance(100);
    expect(a.node.peers.get(2)?.role).toBe('receiver');
    expect(a.node.peers.get(2)?.alongsideSince).toBeUndefined();
    b.node.becomeReceiver();
    b.internal.clear();
    for (let t = 0; t < 6; t++) {
      sim.clock.advance(1000);
      upkeep(a, ka);
    }
    expect(served.filter((record) => !ka.has(recordHex(record)))).toEqual([]);
  });
});
