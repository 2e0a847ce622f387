// A full resync is paced (sync/resync-pacer.ts): records go out at most at
// resyncRecordsPerSecond, and only while the resend queue is below resyncQueueShare of its size,
// so a standby that joins never floods the link or pushes live changes out of the queue.
// Simulated: a primary holding 20,000 records, a standby joining it, a fake clock.
import { describe, expect, it } from 'vitest';
import { SimCluster, makeRecord, settle } from './sim-cluster.js';

const TABLE = 20_000;
const RATE = 10_000;
const records = Array.from({ length: TABLE }, (_, id) => makeRecord(id, 1));

describe('paced full resync', () => {
  it('sends at most resyncRecordsPerSecond, and the standby still converges', () => {
    const sim = new SimCluster({ seed: 11 });
    const primary = sim.start(1, { role: 'sender', table: records, options: { resyncRecordsPerSecond: RATE } });
    sim.start(2, { role: 'receiver' });
    const sent = (): number => primary.node.counters.resyncRecordsSent;
    // per simulated 100 ms, from the first record on: never more than the rate allows (plus the
    // bucket's 50 ms burst), and the job keeps going at close to the rate
    sim.clock.advanceUntil(() => sent() > 0, 2_000, 1);
    const perStep: number[] = [];
    for (let step = 0; step < 10; step++) {
      const before = sent();
      sim.clock.advance(100);
      perStep.push(sent() - before);
    }
    for (const count of perStep) expect(count).toBeLessThanOrEqual(RATE / 10 + RATE / 20);
    expect(perStep.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.8 * RATE);
    expect(sent()).toBeLessThan(TABLE);
    expect(settle(sim, 1, 5_000)).toBeDefined();
    expect(sent()).toBe(TABLE);
  });

  it('holds resync records back while the resend queue is at its share', () => {
    // at this rate the whole table would be sent at once: the queue share is what holds it back,
    // a tenth of the queue at a time, until acknowledgements (some lost) make room again
    const sim = new SimCluster({ seed: 12, loss: 0.1 });
    const options = { resyncRecordsPerSecond: 1_000_000, resendQueueFrames: 200, resyncQueueShare: 0.1 };
    const primary = sim.start(1, { role: 'sender', table: records, options });
    sim.start(2, { role: 'receiver', options });
    let longest = 0;
    sim.clock.advanceUntil(() => {
      longest = Math.max(longest, primary.node.outbound.queue.length);
      return longest > 21 || sim.allInSync(1);
    }, 60_000, 1);
    // the resync's frames stop at 20 (0.1 x 200), and it did reach that limit
    expect(primary.node.outbound.resyncRoom).toBe(20);
    expect(longest).toBeLessThanOrEqual(21);
    expect(longest).toBeGreaterThanOrEqual(20);
    expect(sim.allInSync(1)).toBe(true);
    expect(primary.node.counters.resyncRecordsSent).toBeGreaterThanOrEqual(TABLE);
  });
});
