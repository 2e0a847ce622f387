// Anti-entropy, role switches, more than two nodes and direct mode, simulated with a FakeClock.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { RecordChange } from '../../../daemon/src/model/record.js';
import { ChangeStream, SimCluster, makeRecord, settle, streamChanges } from './sim-cluster.js';
import { identical } from './sim-cluster.js';

describe('SyncNode anti-entropy', () => {
  it('finds a diverged standby by bucket digests and repairs only the differing buckets', () => {
    const sim = new SimCluster({ seed: 5, loss: 0, minDelayMs: 0.2, maxDelayMs: 2 });
    const changes = new ChangeStream(6, 30_000);
    sim.start(1, { role: 'sender', table: changes.initial(20_000) });
    for (const id of [2, 3, 4]) sim.start(id, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    const primary = sim.member(1);
    const standby = sim.member(2);
    const external = standby.external.peek(1) as FlowCache;
    // Corrupt the standby behind the protocol's back: lost deletes, a lost update, a lost set.
    const touched = new Set<number>();
    for (const id of [11, 2222, 17_000]) {
      const { table, key } = makeRecord(id, 1);
      external.delete(table, key);
      touched.add(external.bucketFor(table, key));
    }
    const stale = makeRecord(555, 1);
    external.set({ ...stale, stateHash: 12345n }, 1, 0);
    touched.add(external.bucketFor(stale.table, stale.key));
    const ghost = makeRecord(90_000, 1);
    external.set(ghost, 1, 0);
    touched.add(external.bucketFor(ghost.table, ghost.key));
    expect(sim.inSync(1, 2)).toBe(false);
    const before = { ...primary.node.counters };
    const took = settle(sim, 1, 3 * standby.node.options.antiEntropyIntervalMs);
    console.log(`anti-entropy repaired ${touched.size} buckets ${took} ms after the corruption`);
    expect(took).toBeDefined();
    expect(standby.node.counters.digestMismatches).toBe(touched.size);
    expect(standby.node.counters.resyncRequestsSent).toBeGreaterThan(0);
    const after = primary.node.counters;
    expect(after.fullResyncsStarted).toBe(before.fullResyncsStarted);
    expect(after.resyncsStarted).toBeGreaterThan(before.resyncsStarted);
    // Only the records of the differing buckets went out again, not the table.
    const bucketRecords = [...touched].reduce((sum, b) => sum + [...primary.internal.bucketValues(b)].length, 0);
    expect(after.resyncRecordsSent - before.resyncRecordsSent).toBe(bucketRecords);
    expect(bucketRecords).toBeLessThan(200);
    expect(standby.node.counters.sweptEntries).toBe(1);
  });
});

describe('SyncNode roles', () => {
  it('switches roles at runtime: the new sender resyncs its table to everyone', () => {
    const sim = new SimCluster({ seed: 8, loss: 0.1, duplicate: 0.02, minDelayMs: 0.2, maxDelayMs: 3 });
    const changes = new ChangeStream(9, 15_000);
    sim.start(1, { role: 'sender', table: changes.initial(10_000) });
    sim.start(2, { role: 'receiver' });
    sim.start(3, { role: 'receiver' });
    streamChanges(sim, 1, changes, { ms: 500, perMs: 5 });
    expect(settle(sim, 1, 5000)).toBeDefined();
    // Failover: node 2 commits what it holds of node 1 into its own table and becomes the sender.
    const old = sim.member(1);
    const next = sim.member(2);
    old.node.becomeReceiver();
    for (const flow of next.external.peek(1)?.values() ?? []) next.node.localChange({ op: 'set', record: flow.record });
    next.node.becomeSender();
    const sentByOld = old.node.counters.recordsSent;
    streamChanges(sim, 2, changes, { ms: 500, perMs: 5 });
    old.node.localChange({ op: 'set', record: makeRecord(777_777, 1) });
    const took = settle(sim, 2, 5000);
    console.log(`after the role switch, nodes 1 and 3 hold node 2's table ${took} ms after its stream stopped`);
    expect(took).toBeDefined();
    expect(next.node.counters.fullResyncsStarted).toBeGreaterThanOrEqual(1);
    expect(next.node.status().role).toBe('sender');
    // The old primary, now a receiver, keeps its own table but streams nothing.
    expect(old.node.counters.recordsSent).toBe(sentByOld);
    expect(sim.member(3).external.peek(1)?.get(makeRecord(777_777, 1).table, makeRecord(777_777, 1).key)).toBeUndefined();
  });

  it('names, as the sender, the stopped peers that were the sender alongside it (a split brain, a takeover\'s overlap), not the others', () => {
    const sim = new SimCluster({ seed: 21, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(22, 5_000);
    sim.start(1, { role: 'sender', table: changes.initial(300) });
    sim.start(2, { role: 'receiver' });
    sim.start(3, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    const [one, two, three] = [sim.member(1).node, sim.member(2).node, sim.member(3).node];
    expect(two.overlappedCopies()).toEqual([]); // a receiver merges nothing
    // a takeover's overlap: node 2's commit begins, node 2 becomes the sender while node 1 still is
    const since = sim.clock.now();
    two.takeoverBegins();
    sim.clock.advance(20);
    // node 1 serves a new connection while node 2 commits and re-reads its table
    one.localChange({ op: 'set', record: makeRecord(3131, 1) });
    sim.clock.advance(30);
    two.becomeSender();
    sim.clock.advance(50);
    expect(two.overlappedCopies()).toEqual([]); // node 1 still sends
    one.becomeReceiver();
    sim.clock.advance(50);
    expect(two.overlappedCopies()).toEqual([{ origin: 1, since }]);
    // what node 1's copy took in since the takeover began: that connection alone
    const hex = (key: Uint8Array): string => Buffer.from(key).toString('hex');
    expect(sim.member(2).external.changedSince([{ origin: 1, since }]).map((r) => hex(r.key))).toEqual([hex(makeRecord(3131, 1).key)]);
    expect(two.forgetFrozenCopies()).toEqual({ origins: [1], entries: 301 });
    // node 1 stepped down last, node 3 has never sent: a commit writes node 1's copy last
    expect(two.originsByLastSending().at(-1)).toBe(1);
    expect(two.overlappedCopies()).toEqual([]);
    // a split brain: node 3 becomes the sender alongside node 2, replicates, then dies
    three.localChange({ op: 'set', record: makeRecord(4242, 1) });
    const splitAt = sim.clock.now();
    three.becomeSender();
    sim.clock.advance(100);
    expect(sim.member(2).external.peek(3)?.size).toBe(1);
    expect(two.overlappedCopies()).toEqual([]);
    three.stop();
    sim.clock.advance(two.options.peerTimeoutMs + 100);
    const [split] = two.overlappedCopies();
    expect(split?.origin).toBe(3);
    expect(split?.since).toBeGreaterThanOrEqual(splitAt);
    expect(sim.member(2).external.changedSince(two.overlappedCopies()).map((r) => hex(r.key))).toEqual([hex(makeRecord(4242, 1).key)]);
    // once this node stops sending, the next takeover commits every copy whole: nothing is owed
    two.becomeReceiver();
    two.becomeSender();
    expect(two.overlappedCopies()).toEqual([]);
    // a peer that stopped before this node became the sender (the usual takeover) is not named
    one.becomeSender();
    sim.clock.advance(50);
    two.becomeReceiver();
    one.becomeReceiver();
    sim.clock.advance(50);
    two.becomeSender();
    sim.clock.advance(50);
    expect(sim.member(2).external.peek(1)?.size).toBe(301);
    expect(two.overlappedCopies()).toEqual([]);
  });

  it('empties, on a receiver of three nodes, the copy of a sender that died once the next sender\'s full resync has ended, not before, and not during its own takeover', () => {
    type Variant = 'receiver' | 'own takeover' | 'takeover abandoned';
    const run = (variant: Variant) => {
      const sim = new SimCluster({ seed: 31, loss: 0.05, minDelayMs: 0.2, maxDelayMs: 2 });
      const changes = new ChangeStream(32, 10_000);
      sim.start(1, { role: 'sender', table: changes.initial(4000) });
      sim.start(2, { role: 'receiver' });
      sim.start(3, { role: 'receiver' });
      expect(settle(sim, 1, 5000)).toBeDefined();
      const [one, two, three] = [sim.member(1).node, sim.member(2).node, sim.member(3).node];
      const copy = (id: number): number | undefined => sim.member(3).external.peek(id)?.size;
      one.stop();
      sim.clock.advance(three.options.peerTimeoutMs + 100);
      // node 1 is gone, and no one else sends: its copy is all node 3 has of its connections
      const kept = copy(1);
      if (variant !== 'receiver') three.takeoverBegins();
      // BACKUP overtook node 3's takeover before it became the sender
      if (variant === 'takeover abandoned') three.becomeReceiver();
      // node 2 takes over: commits node 1's copy (here: into its own table), then sends
      for (const flow of sim.member(2).external.peek(1)?.values() ?? []) two.localChange({ op: 'set', record: flow.record });
      two.localChange({ op: 'set', record: makeRecord(9090, 1) });
      two.becomeSender();
      // the resync under way (4,001 records at 200k/s): node 1's copy is still whole
      for (let ms = 0; ms < 1000 && (copy(2) ?? 0) === 0; ms++) sim.clock.advance(1);
      const midway = { partial: (copy(2) ?? 0) < 4001, kept: copy(1) };
      // the resync has ended, within the grace after node 1 last sent: still kept
      sim.clock.advance(300);
      const ended = { resynced: copy(2) === 4001, kept: copy(1) };
      sim.clock.advance(3000);
      return { kept, midway, ended, after: copy(1), counters: three.counters, fromNext: copy(2) };
    };
    const receiver = run('receiver');
    expect(receiver.kept).toBe(4000);
    expect(receiver.midway).toEqual({ partial: true, kept: 4000 });
    expect(receiver.ended).toEqual({ resynced: true, kept: 4000 });
    expect(receiver.after).toBe(0);
    expect(receiver.fromNext).toBe(4001);
    expect(receiver).toMatchObject({ counters: { supersededCopies: 1, supersededEntries: 4000 } });
    // node 3's own takeover commit reads the copies: they stay
    const takingOver = run('own takeover');
    expect(takingOver.after).toBe(4000);
    expect(takingOver.counters.supersededCopies).toBe(0);
    // a takeover abandoned reads them no longer
    expect(run('takeover abandoned')).toMatchObject({ after: 0, counters: { supersededCopies: 1 } });
  });

  it('does not take the data frames of a receiver (an empty resync answering a join) for a new sender\'s', () => {
    const sim = new SimCluster({ seed: 35, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(36, 5_000);
    sim.start(1, { role: 'sender', table: changes.initial(300) });
    sim.start(2, { role: 'receiver' });
    sim.start(3, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    const [one, two, three] = [sim.member(1).node, sim.member(2).node, sim.member(3).node];
    one.stop();
    sim.clock.advance(three.options.peerTimeoutMs + 100);
    // node 3 joins node 2's stream again: node 2, a receiver, answers with a full resync of nothing
    const before = two.counters.fullResyncsStarted;
    three.requestResync(2);
    sim.clock.advance(500);
    expect(two.counters.fullResyncsStarted).toBeGreaterThan(before);
    expect(three.peers.get(2)?.inbound.resynced).toBe(true);
    expect(three.peers.get(2)).toMatchObject({ senderSince: undefined, senderUntil: Number.NEGATIVE_INFINITY });
    expect(sim.member(3).external.peek(1)?.size).toBe(300);
    // once node 2 becomes the sender and its resync has ended, node 1's copy goes
    two.becomeSender();
    sim.clock.advance(2000);
    expect(sim.member(3).external.peek(1)?.size).toBe(0);
    expect(three.counters.supersededCopies).toBe(1);
  });

  it('keeps, on a receiver, the copy of a peer that sent alongside the sender (a split brain), and commits it before the copy of the sender that died later', () => {
    const sim = new SimCluster({ seed: 33, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(34, 5_000);
    sim.start(1, { role: 'sender', table: changes.initial(200) });
    sim.start(2, { role: 'receiver' });
    sim.start(3, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    const [one, two, three] = [sim.member(1).node, sim.member(2).node, sim.member(3).node];
    two.localChange({ op: 'set', record: makeRecord(7070, 1) });
    two.becomeSender();
    sim.clock.advance(2000);
    expect(three.peers.get(2)?.inbound.resynced).toBe(true);
    expect(sim.member(3).external.peek(1)?.size).toBe(200);
    // node 1 steps down later: its copy holds what it served until then, which node 2 never took over
    one.becomeReceiver();
    sim.clock.advance(three.options.peerTimeoutMs + 1000);
    expect(sim.member(3).external.peek(1)?.size).toBe(200);
    expect(three.counters.supersededCopies).toBe(0);
    // node 2 dies; node 1, a receiver, is still heard: a commit on node 3 writes node 1's copy
    // first all the same, so node 2's version of a connection both hold is the one kept
    two.stop();
    sim.clock.advance(three.options.peerTimeoutMs + 1000);
    const heard = (id: number): number => three.peers.get(id)?.lastHeard ?? Number.NaN;
    expect(heard(1)).toBeGreaterThan(heard(2));
    expect(three.originsByLastSending()).toEqual([1, 2]);
  });

  it('in direct mode, reports every applied change so a kernel table can follow live', () => {
    const sim = new SimCluster({ seed: 12, loss: 0.2, duplicate: 0.05, minDelayMs: 0.2, maxDelayMs: 4 });
    const changes = new ChangeStream(13, 15_000);
    const kernel = new FlowCache();
    const apply = (origin: number, change: RecordChange): void => {
      if (change.op === 'set') kernel.set(change.record, origin, 0);
      else kernel.delete(change.table, change.key);
    };
    sim.start(1, { role: 'sender', table: changes.initial(10_000) });
    sim.start(2, { role: 'receiver', onExternalChange: apply });
    const restart = (): void => {
      const table = [...sim.member(1).internal.values()].map((flow) => flow.record).slice(300);
      sim.start(1, { role: 'sender', table });
    };
    streamChanges(sim, 1, changes, { ms: 1000, perMs: 5, at: { 500: restart } });
    expect(settle(sim, 1, 5000)).toBeDefined();
    expect(identical(sim.member(1).internal, kernel)).toBe(true);
    expect(sim.member(2).node.counters.sweptEntries).toBeGreaterThanOrEqual(300);
  });
});

describe('SyncNode.reconcileTable', () => {
  it('streams only the differences between the cached table and a fresh kernel dump', () => {
    const sim = new SimCluster({ seed: 21, loss: 0.1, minDelayMs: 0.2, maxDelayMs: 3 });
    const changes = new ChangeStream(22, 15_000);
    sim.start(1, { role: 'sender', table: changes.initial(10_000) });
    sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    const primary = sim.member(1);
    // The dump after lost kernel events: 200 flows gone, 300 changed, 100 new, the rest as cached.
    const dump = [...primary.internal.values()].map((flow) => flow.record).slice(200);
    for (let i = 0; i < 300; i++) {
      const key = (dump[i] as { key: Uint8Array }).key;
      dump[i] = makeRecord(new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0), 99);
    }
    for (let i = 0; i < 100; i++) dump.push(makeRecord(50_000 + i, 1));
    const sentBefore = primary.node.counters.recordsSent;
    expect(primary.node.reconcileTable(dump)).toEqual({ added: 100, changed: 300, removed: 200 });
    expect(primary.node.counters.recordsSent - sentBefore).toBe(600);
    expect(primary.internal.size).toBe(10_000 - 200 + 100);
    expect(settle(sim, 1, 5000)).toBeDefined();
  });
});

describe('SyncNode: changes read from the kernel in one go', () => {
  it.each([
    [0, 1],
    [5, 0],
  ])('with a flush delay of %s ms, leave in %s frame(s) as soon as the reader has settled', (flushDelayMs, framesAtOnce) => {
    const sim = new SimCluster({ seed: 7, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    sim.start(1, { role: 'sender', options: { flushDelayMs } });
    sim.start(2, { role: 'receiver', options: { flushDelayMs } });
    expect(settle(sim, 1, 1000)).toBeDefined();
    const primary = sim.member(1).node;
    const before = primary.counters.dataFramesSent;
    for (let id = 1; id <= 3; id++) primary.localChange({ op: 'set', record: makeRecord(id, 1) });
    // batched: nothing leaves while changes may still come
    expect(primary.counters.dataFramesSent).toBe(before);
    primary.localChangesSettled();
    expect(primary.counters.dataFramesSent).toBe(before + framesAtOnce);
    // a configured delay is kept: the frame leaves when it is over
    sim.clock.advance(flushDelayMs + 1);
    expect(primary.counters.dataFramesSent).toBe(before + 1);
    expect(settle(sim, 1, 1000)).toBeDefined();
    expect(sim.member(2).external.peek(1)?.size).toBe(3);
  });
});
