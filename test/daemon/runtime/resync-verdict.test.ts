// resyncVerdict: when a node may take the virtual addresses (the failback gate's value). The
// rules on their own, then on real SyncNodes over a simulated network (FakeClock): the gate
// opens exactly when the standby's external cache holds the sender's whole table, also with
// loss, and closes again on a new resync request or a restarted sender.
import { describe, expect, it } from 'vitest';
import { nodeView, resyncVerdict, type PeerView } from '../../../daemon/src/runtime/resync-verdict.js';
import { ChangeStream, SimCluster } from '../sync/sim-cluster.js';

const peer = (nodeId: number, role: PeerView['role'], resynced = false, alive = true): PeerView => ({ nodeId, alive, role, resynced });

describe('resyncVerdict', () => {
  it('opens for the sender itself, whatever it heard', () => {
    expect(resyncVerdict({ role: 'sender', peers: [peer(2, 'sender')] }, true)).toMatchObject({ pending: false });
  });

  it('keeps the last verdict while no peer is alive (a lone node stays pending, a synced one stays synced)', () => {
    expect(resyncVerdict({ role: 'receiver', peers: [] }, true).pending).toBe(true);
    expect(resyncVerdict({ role: 'receiver', peers: [peer(2, 'sender', false, false)] }, false).pending).toBe(false);
    expect(resyncVerdict({ role: 'receiver', peers: [peer(2, 'sender', false, false)] }, true).pending).toBe(true);
  });

  it('opens when no live peer is sender: a fresh cluster has nothing to resync', () => {
    expect(resyncVerdict({ role: 'receiver', peers: [peer(2, 'receiver'), peer(3, 'receiver')] }, true)).toEqual({
      pending: false, reason: 'no peer is sender: nothing to resync', waitingFor: [],
    });
  });

  it('waits for every live sender and for peers whose role is not known yet', () => {
    expect(resyncVerdict({ role: 'receiver', peers: [peer(2, 'sender'), peer(3, undefined), peer(4, 'receiver')] }, false)).toEqual({
      pending: true, reason: 'waiting for a full resync from node 2, 3', waitingFor: [2, 3],
    });
    expect(resyncVerdict({ role: 'receiver', peers: [peer(2, 'sender', true), peer(4, 'receiver')] }, true)).toEqual({
      pending: false, reason: 'resynced from node 2', waitingFor: [],
    });
  });
});

describe('resyncVerdict on simulated SyncNodes', () => {
  const verdictOf = (sim: SimCluster, id: number, previous: boolean): boolean =>
    resyncVerdict(nodeView(sim.member(id).node, sim.clock.now()), previous).pending;

  /** Advances 1 ms at a time until node `id`'s verdict opens; checks the cache at that instant. */
  function untilOpen(sim: SimCluster, id: number, sender: number, limitMs: number): { tookMs: number; sawPartial: boolean } {
    let pending = true;
    let sawPartial = false;
    const took = sim.clock.advanceUntil(() => {
      pending = verdictOf(sim, id, pending);
      const held = sim.member(id).external.peek(sender)?.size ?? 0;
      if (pending && held > 0 && held < sim.member(sender).internal.size) sawPartial = true;
      return !pending;
    }, limitMs);
    expect(took, `node ${id} resynced within ${limitMs} simulated ms`).toBeDefined();
    expect(sim.inSync(sender, id), 'the gate opened before the external cache held the whole table').toBe(true);
    return { tookMs: took ?? -1, sawPartial };
  }

  it('opens for two fresh receivers as soon as they hear each other', () => {
    const sim = new SimCluster({ seed: 1, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    sim.start(1, { role: 'receiver' });
    sim.start(2, { role: 'receiver' });
    expect(verdictOf(sim, 1, true)).toBe(true); // nothing heard yet
    expect(sim.clock.advanceUntil(() => !verdictOf(sim, 1, true) && !verdictOf(sim, 2, true), 1000)).toBeDefined();
  });

  it.each([
    ['a clean link', 0],
    ['10 % loss', 0.1],
  ])('opens a standby exactly when it holds the sender\'s whole table (%s)', (_name, loss) => {
    const sim = new SimCluster({ seed: 3, loss, duplicate: loss / 5, minDelayMs: 0.2, maxDelayMs: 2 });
    const changes = new ChangeStream(4, 40_000);
    sim.start(1, { role: 'sender', table: changes.initial(30_000), options: { resyncRecordsPerSecond: 100_000 } });
    sim.start(2, { role: 'receiver' });
    const { sawPartial } = untilOpen(sim, 2, 1, 10_000);
    expect(sawPartial, 'the gate stayed closed while the copy was partial').toBe(true);
  });

  it('closes again when the standby asks for a new full resync, and when the sender restarts', () => {
    const sim = new SimCluster({ seed: 5, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(6, 20_000);
    const table = changes.initial(10_000);
    sim.start(1, { role: 'sender', table, options: { resyncRecordsPerSecond: 50_000 } });
    sim.start(2, { role: 'receiver' });
    untilOpen(sim, 2, 1, 5000);
    sim.member(2).node.requestResync();
    expect(verdictOf(sim, 2, false)).toBe(true);
    untilOpen(sim, 2, 1, 5000);
    sim.start(1, { role: 'sender', table, options: { resyncRecordsPerSecond: 50_000 } }); // new boot epoch
    sim.clock.advanceUntil(() => verdictOf(sim, 2, false), 1000);
    expect(verdictOf(sim, 2, false)).toBe(true);
    untilOpen(sim, 2, 1, 5000);
  });

  it('keeps a synced standby open after its sender fell silent, and opens the standby that becomes sender', () => {
    const sim = new SimCluster({ seed: 7, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(8, 5000);
    sim.start(1, { role: 'sender', table: changes.initial(2000) });
    sim.start(2, { role: 'receiver' });
    untilOpen(sim, 2, 1, 5000);
    sim.member(1).node.stop();
    sim.network.setUp(sim.address(1), false);
    sim.clock.advance(2 * sim.member(2).node.options.peerTimeoutMs);
    expect(nodeView(sim.member(2).node, sim.clock.now()).peers.map((p) => p.alive)).toEqual([false]);
    expect(verdictOf(sim, 2, false)).toBe(false);
    sim.member(2).node.becomeSender();
    expect(verdictOf(sim, 2, true)).toBe(false);
  });
});
