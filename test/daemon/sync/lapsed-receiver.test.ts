// A standby silent for longer than the peer timeout (a cut sync link, a stalled process) stops
// holding back the sender's resend queue, so what it had not acknowledged is released with no
// resync for it (a resync is scheduled only for frames a live receiver lacks). Back, it NACKs
// those frames: it gets a full resync rather than a SKIP past them, and converges without waiting
// for anti-entropy (switched off here), deletes included. Simulated: 10 % loss, a fake clock.
import { describe, expect, it } from 'vitest';
import { ChangeStream, SimCluster, differences } from './sim-cluster.js';

describe('a standby silent past the peer timeout', () => {
  it('gets a full resync for the frames released meanwhile, and converges with no anti-entropy', () => {
    const sim = new SimCluster({ seed: 5, loss: 0.1, duplicate: 0.05, minDelayMs: 0.2, maxDelayMs: 5 });
    const changes = new ChangeStream(6, 3000);
    const options = { antiEntropyIntervalMs: 3_600_000 };
    const primary = sim.start(1, { role: 'sender', table: changes.initial(2000), initialSeq: 0xffff_ff00, options });
    sim.start(2, { role: 'receiver', options });
    const cut = sim.start(3, { role: 'receiver', options });
    expect(sim.clock.advanceUntil(() => sim.allInSync(1), 20_000, 10)).toBeDefined();

    sim.network.setUp(cut.address, false);
    const silence = primary.node.options.peerTimeoutMs + 2_000;
    for (let t = 0; t < silence; t++) {
      for (let i = 0; i < 3; i++) primary.node.localChange(changes.next());
      sim.clock.advance(1);
    }
    sim.network.setUp(cut.address, true);
    const before = { ...primary.node.counters };
    for (let t = 0; t < 500; t++) {
      primary.node.localChange(changes.next());
      sim.clock.advance(1);
    }
    const took = sim.clock.advanceUntil(() => sim.allInSync(1), 20_000, 10);
    expect(differences(primary.internal, cut.external.peek(1)), 'keys that differ on the standby that was cut').toBe(0);
    expect(took).toBeDefined();
    expect(primary.node.counters.lapsedResyncs).toBeGreaterThan(before.lapsedResyncs);
    expect(primary.node.counters.digestsSent, 'no anti-entropy in this run').toBe(0);
  });
});
