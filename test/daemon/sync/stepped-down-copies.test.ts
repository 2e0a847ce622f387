// The copy a standby keeps of a node that stepped down is what a takeover commits: a full sync
// request to that node (a standby's FAULT -> BACKUP plan, `half resync peers`, a third node's
// restart) must not sweep it. Before, the stepped-down node answered with an empty full resync,
// whose end swept every follower's copy of it (and, in direct mode, their kernel entries).
// Found by the sync review; simulated with the fake clock.
import { describe, expect, it } from 'vitest';
import { makeRecord, settle, SimCluster } from './sim-cluster.js';

const table = () => Array.from({ length: 50 }, (_, i) => makeRecord(i, 1));

describe('a node that stepped down', () => {
  it('keeps its followers\' copy when a standby asks it for a full resync', () => {
    const sim = new SimCluster({ seed: 1 });
    const a = sim.start(1, { role: 'sender', table: table() });
    let deletes = 0;
    const b = sim.start(2, { role: 'receiver', onExternalChange: (_origin, change) => void (change.op === 'delete' && deletes++) });
    expect(settle(sim, 1, 5000)).toBeDefined();
    expect(b.external.peek(1)?.size).toBe(50);
    a.node.becomeReceiver(); // MASTER -> BACKUP or FAULT
    sim.clock.advance(100);
    b.node.requestResync(); // the standby's FAULT -> BACKUP plan
    sim.clock.advance(1000);
    expect(b.external.peek(1)?.size).toBe(50);
    expect(deletes, 'direct mode would have deleted them from the kernel').toBe(0);
    // and it still follows A's stream: A sending again is heard
    a.node.becomeSender();
    expect(settle(sim, 1, 5000)).toBeDefined();
    expect(b.external.peek(1)?.size).toBe(50);
  });

  it('keeps the copy of a would-be MASTER when a third node restarts', () => {
    const sim = new SimCluster({ seed: 2 });
    const a = sim.start(1, { role: 'sender', table: table() });
    const b = sim.start(2, { role: 'receiver' });
    sim.start(3, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    a.node.becomeReceiver();
    sim.clock.advance(100);
    sim.start(3, { role: 'receiver' }); // a new epoch of node 3 asks every peer for a full resync
    sim.clock.advance(1000);
    expect(b.external.peek(1)?.size).toBe(50);
  });
});
