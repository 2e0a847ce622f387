// Three nodes on one sync link, and the link from the sender (A) to one receiver (B) fails one
// way: B hears nothing, but its ALIVEs still reach A. A counted B as a live receiver that
// acknowledged nothing: its resend queue stayed full, the repair jobs its overflows scheduled
// could add no frame nor end, and no anti-entropy digest went out for as long as it lasted, so
// a damaged copy on the healthy receiver (C) stayed damaged (0 digests in 30 s, 2 entries
// differing; with B down both ways, repaired within seconds). A receiver that lacks frames and
// has answered nothing for a peer timeout no longer holds back the queue; once it hears A again
// it gets a full resync, as a receiver silent that long does. Found by the sync review.
import { describe, expect, it } from 'vitest';
import { ChangeStream, differences, SimCluster } from './sim-cluster.js';

describe('a link that fails one way, from the sender to one receiver', () => {
  it('keeps anti-entropy going for the other receivers, and the deaf one converges once it hears again', () => {
    const sim = new SimCluster({ seed: 31 });
    const changes = new ChangeStream(31, 3000);
    const options = { resendQueueFrames: 256 };
    const a = sim.start(1, { role: 'sender', table: changes.initial(2000), options });
    const b = sim.start(2, { role: 'receiver', options });
    const c = sim.start(3, { role: 'receiver', options });
    expect(sim.clock.advanceUntil(() => sim.allInSync(1), 10_000, 10)).toBeDefined();
    sim.network.block(a.address, b.address);
    // C's copy damaged (what anti-entropy is for: a bit flip, a bug)
    const copy = c.external.peek(1)!;
    for (const flow of [...copy.values()].slice(0, 25)) copy.delete(flow.record.table, flow.record.key);
    const digests = a.node.counters.digestsSent;
    for (let t = 0; t < 30_000; t++) {
      if (t % 5 === 0) a.node.localChange(changes.next());
      sim.clock.advance(1);
    }
    expect(a.node.counters.digestsSent - digests).toBeGreaterThan(0);
    expect(differences(a.internal, c.external.peek(1))).toBe(0);
    expect(a.node.outbound.planner.idle).toBe(true);
    sim.network.block(a.address, b.address, false);
    expect(sim.clock.advanceUntil(() => sim.inSync(1, 2), 20_000, 10)).toBeDefined();
    expect(differences(a.internal, b.external.peek(1))).toBe(0);
  });
});
