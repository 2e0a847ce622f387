// The failback gate after a hand-over (MASTER -> BACKUP on one node, BACKUP -> MASTER on the
// other): the old master asks the new one for a full resync while the new one still commits as
// a receiver, which answers with an empty full resync. That one does not hold the table the new
// master serves once it is the sender: the gate stays shut until the new master's own full
// resync has ended. Found by the failover review.
import { describe, expect, it } from 'vitest';
import { nodeView, resyncVerdict } from '../../../daemon/src/runtime/resync-verdict.js';
import type { SyncNodeLike } from '../../../daemon/src/runtime/resync-verdict.js';
import { ChangeStream, lossyTap, settle, SimCluster } from './sim-cluster.js';

describe('the failback gate after a hand-over', () => {
  it('stays shut until the new sender\'s own full resync has ended, not the empty one it sent as a receiver', () => {
    const sim = new SimCluster({ seed: 3, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(4, 40_000);
    sim.start(1, { role: 'sender', table: changes.initial(20_000) }); // A: MASTER
    sim.start(2, { role: 'receiver' }); // B: BACKUP
    expect(settle(sim, 1, 20_000)).toBeDefined();
    const a = sim.member(1);
    const b = sim.member(2);
    // keepalived: A -> BACKUP (stop sending, ask for a resync), B -> MASTER (its commit runs)
    a.node.becomeReceiver();
    a.internal.clear();
    a.node.requestResync();
    b.node.takeoverBegins();
    sim.clock.advance(100); // A's request is answered meanwhile, by B as a receiver
    const gate = () => resyncVerdict(nodeView(a.node as unknown as SyncNodeLike, sim.clock.now()), true);
    // B's commit ends and its table is re-read: it becomes the sender
    for (const flow of b.external.peek(1)?.values() ?? []) b.internal.set(flow.record, 2, sim.clock.now());
    b.node.becomeSender();
    sim.clock.advance(20);
    expect(a.external.peek(2)?.size ?? 0).toBeLessThan(b.internal.size);
    expect(gate()).toMatchObject({ pending: true, reason: 'waiting for a full resync from node 2' });
    // and opens once A holds B's table
    expect(sim.clock.advanceUntil(() => !gate().pending, 60_000, 10)).toBeDefined();
    expect(a.external.peek(2)?.size).toBe(b.internal.size);
  });

  it('is not shut for good when the new sender\'s HELLO is lost (a later ALIVE\'s number is past its resync: nothing is dropped on it; the gate judges as before)', () => {
    const sim = new SimCluster({ seed: 3, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(4, 4000);
    sim.start(1, { role: 'sender', table: changes.initial(200) });
    sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 20_000)).toBeDefined();
    const a = sim.member(1);
    const b = sim.member(2);
    sim.clock.advance(1000);
    lossyTap(sim, a, (type, _seq, from) => type === 'hello' && from === b.address);
    a.node.becomeReceiver();
    a.internal.clear();
    b.node.takeoverBegins();
    sim.clock.advance(50);
    for (const flow of b.external.peek(1)?.values() ?? []) b.internal.set(flow.record, 2, sim.clock.now());
    b.node.becomeSender();
    const gate = () => resyncVerdict(nodeView(a.node as unknown as SyncNodeLike, sim.clock.now()), true);
    sim.clock.advance(60_000);
    expect(a.external.peek(2)?.size).toBe(b.internal.size);
    expect(gate().pending, 'open, A holding B\'s table').toBe(false);
  });
});
