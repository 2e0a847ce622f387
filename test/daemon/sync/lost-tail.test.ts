// The last frame of a stream lost, and nothing sent after it: no later data frame shows the
// standby a gap, so the sender's heartbeats must. Unacknowledged frames make the sender probe
// (an ALIVE asking for an acknowledgement, probeMs after the frame), every ALIVE carries the
// last sequence number, and the standby NACKs what it has not seen. Acknowledgements go out every
// ackEveryFrames frames or ackDelayMs after a frame, and let the sender empty its resend queue.
// Simulated: a lossless network made to lose exactly one frame, a fake clock.
import { describe, expect, it } from 'vitest';
import { FLAG_ACK_REQUEST } from '../../../daemon/src/wire/frame-header.js';
import { decodeFrame } from '../../../daemon/src/wire/frame-codec.js';
import { SimCluster, makeRecord, settle } from './sim-cluster.js';

describe('a lost last frame', () => {
  it('is found through the sender\'s ALIVE, NACKed and resent, and acknowledged', () => {
    const sim = new SimCluster({ seed: 21 });
    const primary = sim.start(1, { role: 'sender', table: Array.from({ length: 10 }, (_, id) => makeRecord(id, 1)) });
    const standby = sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 5_000)).toBeDefined();
    sim.clock.advance(1_000); // everything acknowledged, heartbeats only
    expect(primary.node.outbound.queue.length).toBe(0);
    const before = { ...primary.node.counters };
    const standbyBefore = { ...standby.node.counters };

    // what the primary sends from now on, decoded
    const sent: { type: string; seq: number; ackRequest: boolean }[] = [];
    sim.network.tap((frame, from) => {
      const decoded = from === primary.address ? decodeFrame(sim.keys, frame) : undefined;
      if (decoded?.ok === true) sent.push({ type: decoded.message.type, seq: decoded.header.seq, ackRequest: (decoded.header.flags & FLAG_ACK_REQUEST) !== 0 });
    });
    sim.network.setConditions({ loss: 1 });
    primary.node.localChange({ op: 'set', record: makeRecord(100, 1) });
    primary.node.flush();
    sim.network.setConditions({ loss: 0 });
    expect(primary.node.counters.dataFramesSent).toBe(before.dataFramesSent + 1);
    expect(sim.network.stats.lost).toBeGreaterThan(0);
    const lostSeq = primary.node.outbound.lastSeq;

    const took = settle(sim, 1, 2_000);
    expect(took).toBeDefined();
    // found by the probe (probeMs after the frame), well before the next regular heartbeat
    expect(took as number).toBeLessThan(primary.node.options.aliveIntervalMs);
    // the first thing after the lost frame: an ALIVE carrying its sequence number, asking for an acknowledgement
    expect(sent[1]).toEqual({ type: 'alive', seq: lostSeq, ackRequest: true });
    expect(standby.node.counters.nacksSent).toBeGreaterThan(standbyBefore.nacksSent);
    expect(primary.node.counters.nacksReceived).toBeGreaterThan(before.nacksReceived);
    expect(primary.node.counters.resentFrames).toBeGreaterThan(before.resentFrames);
    expect(standby.external.peek(1)?.get(makeRecord(100, 1).table, makeRecord(100, 1).key)).toBeDefined();

    // and acknowledged: the resend queue empties within the ack delay
    sim.clock.advance(primary.node.options.ackDelayMs * 3);
    expect(standby.node.counters.acksSent).toBeGreaterThan(standbyBefore.acksSent);
    expect(primary.node.outbound.queue.length).toBe(0);
    // the regular heartbeats carry the last sequence number too
    sim.clock.advance(primary.node.options.aliveIntervalMs);
    expect(primary.node.counters.heartbeatsSent).toBeGreaterThan(before.heartbeatsSent);
    expect(sent.filter((f) => f.type === 'alive').at(-1)?.seq).toBe(lostSeq);
  });
});
