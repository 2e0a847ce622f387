// A sender whose resend queue overflowed answers the standby's NACK with SKIP, on the promise of
// the targeted resync the overflow scheduled. If it steps down before that resync has run, the
// resync must still go out (from its table as it was at the step-down: the daemon clears it
// right after), or the standby's copy, which a takeover commits, keeps the gap for good (a
// receiver sends no anti-entropy digests). Found by the sync review.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { ChangeStream, differences, SimCluster } from './sim-cluster.js';

/**
 * A (the sender) and B in sync; then a short outage of the link from A to B under load, so frames
 * B never got are evicted and a repair is due; then A steps down (MASTER -> BACKUP) and the
 * daemon clears its table right after. The link from A to B is still blocked. Returns A's table
 * as it was at the step-down.
 */
function stepDownWithRepairDue(seed: number) {
  const sim = new SimCluster({ seed });
  const changes = new ChangeStream(seed, 400);
  const options = { resendQueueFrames: 8 };
  const a = sim.start(1, { role: 'sender', table: changes.initial(200), options });
  const b = sim.start(2, { role: 'receiver', options });
  expect(sim.clock.advanceUntil(() => differences(a.internal, b.external.peek(1)) === 0, 5000, 10)).toBeDefined();
  sim.network.block(a.address, b.address);
  for (let i = 0; i < 400; i++) {
    a.node.localChange(changes.next());
    if (i % 20 === 0) a.node.flush();
  }
  a.node.flush();
  expect(a.node.counters.resendQueueOverflows).toBeGreaterThan(0);
  expect(a.node.outbound.planner.idle, 'a repair is pending').toBe(false);
  const last = new FlowCache();
  for (const flow of a.internal.values()) last.set(flow.record, 1, 0);
  a.node.becomeReceiver();
  a.internal.clear();
  return { sim, a, b, last };
}

describe('a sender that steps down with a repair pending', () => {
  it.each([1, 5, 9])('still sends it, and the standby\'s copy ends equal to its last table (seed %i)', (seed) => {
    const { sim, a, b, last } = stepDownWithRepairDue(seed);
    sim.network.block(a.address, b.address, false);
    expect(sim.clock.advanceUntil(() => differences(last, b.external.peek(1)) === 0, 20_000, 10), `B's copy still differs from A's last table in ${differences(last, b.external.peek(1))} entries`).toBeDefined();
    expect(b.node.counters.skipsReceived).toBeGreaterThan(0); // the SKIP that relied on the repair
    // the repair done, A keeps nothing and sends nothing more
    sim.clock.advance(5_000);
    expect(a.node.outbound.planner.idle).toBe(true);
    expect(differences(last, b.external.peek(1))).toBe(0);
  });

  it('drops the repair once another node is heard as the sender (its table is what counts then)', () => {
    const { sim, a, b } = stepDownWithRepairDue(2);
    expect(a.node.outbound.planner.idle, 'the repair is under way').toBe(false);
    b.node.becomeSender(); // its HELLO reaches A even while A's frames to B are blocked
    sim.clock.advance(50);
    expect(a.node.outbound.planner.idle, 'dropped: B\'s own full resync is what A and the others follow').toBe(true);
  });
});
