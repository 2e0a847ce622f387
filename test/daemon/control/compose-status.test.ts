// composeStatus over real sync nodes: a sender and a receiver on a simulated network exchange
// a table; the sender's status shows the receiver up, following, with its lag; the receiver's
// shows the sender's entries as external. And over a fixed snapshot: every derived field.
import { describe, expect, it } from 'vitest';
import { composeStatus } from '../../../daemon/src/control/compose-status.js';
import { decodeDaemonStatus } from '../../../daemon/src/control/status-decode.js';
import { COMMIT_BOUNDS_MS, emptySnapshot, LAG_BOUNDS_MS } from '../../../daemon/src/metrics/latency-histogram.js';
import { nodeStatus } from '../../../daemon/src/sync/status.js';
import { ChangeStream, SimCluster, settle } from '../sync/sim-cluster.js';
import { sampleParts, sampleStatus } from './fixtures/sample-status.js';

function parts(sync: ReturnType<typeof nodeStatus>) {
  return sampleParts({ sync, kernelEvents: undefined, kernelEntries: null, commits: { count: 0, last: null, durationMs: emptySnapshot(COMMIT_BOUNDS_MS) }, replicationLag: emptySnapshot(LAG_BOUNDS_MS) });
}

describe('composeStatus', () => {
  it('reports peers, tables and counters of real sync nodes', () => {
    const sim = new SimCluster({ seed: 5, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
    const changes = new ChangeStream(6, 1000);
    sim.start(1, { role: 'sender', table: changes.initial(300) });
    sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 5000)).toBeDefined();
    sim.clock.advance(100); // past the receiver's ack delay

    const sender = composeStatus(parts(nodeStatus(sim.member(1).node)));
    expect(decodeDaemonStatus(sender)).toEqual({ ok: true, status: sender });
    expect(sender.node).toMatchObject({ id: 1, role: 'sender' });
    expect(sender.tables).toEqual({ internal: 300, external: 0, kernel: null });
    expect(sender.peers).toHaveLength(1);
    const receiverSeen = sender.peers[0];
    expect(receiverSeen).toMatchObject({ nodeId: 2, address: sim.address(2), state: 'up', followsUs: true });
    expect(receiverSeen?.lagFrames).toBe(0);
    expect(sender.summary.eventsOut).toBeGreaterThanOrEqual(300);
    expect(sender.counters.sync['recordsSent']).toBe(sender.summary.eventsOut);
    expect(sender.summary.eventsIn).toBe(0);

    const receiver = composeStatus(parts(nodeStatus(sim.member(2).node)));
    expect(receiver.tables.external).toBe(300);
    expect(receiver.peers[0]).toMatchObject({ nodeId: 1, state: 'up', externalEntries: 300, joined: true });
    expect(receiver.summary.recordsApplied).toBe(300);

    sim.clock.advance(10_000);
    sim.member(1).node.stop();
    sim.clock.advance(10_000);
    const later = composeStatus(parts(nodeStatus(sim.member(2).node)));
    expect(later.peers[0]?.state).toBe('down');
    expect(later.peers[0]?.lastSeenMs).toBeGreaterThanOrEqual(10_000);
  });

  it('derives lag across the 2^32 wrap, totals and the counter summary from a snapshot', () => {
    const status = sampleStatus();
    expect(status.peers.map((p) => [p.nodeId, p.state, p.lagFrames, p.ackedUpTo, p.role, p.lastSeenMs])).toEqual([
      [2, 'up', 10, 4_294_967_280, 'receiver', 180],
      [3, 'down', null, null, null, 12_500],
    ]);
    expect(status.tables).toEqual({ internal: 1234, external: 17, kernel: 1300 });
    expect(status.summary).toEqual({ eventsIn: 123_456, eventsOut: 120_000, recordsApplied: 345, resends: 12, nacksSent: 3, nacksReceived: 4, resyncs: 1, overruns: 2, resendQueueOverflows: 0 });
    expect(status.counters.drops).toMatchObject({ forged: 2, replay: 1, malformed: 0 });
    expect(status.counters.kernel).not.toHaveProperty('lastError');
    expect(status.kernelEvents).toEqual({ subscribed: true, reader: 'daemon', fallback: null, lastError: null });
    expect(sampleStatus({ kernelEvents: undefined }).kernelEvents).toEqual({ subscribed: false, reader: null, fallback: null, lastError: null });
    expect(status.counters.sync).not.toHaveProperty('drops');
    expect(status.daemon.uptimeSeconds).toBe(7384);
    const wrapped = sampleStatus({ sync: { ...sampleParts().sync, lastSeq: 5 } });
    expect(wrapped.peers[0]?.lagFrames).toBe(21);
  });

  it('survives a JSON round trip unchanged (what the socket carries)', () => {
    const status = sampleStatus();
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
  });
});
