// When a standby NACKs a frame again (gap-tracker.ts, repair-time.ts): on a long link it waits as
// long as this sender's resends were seen to take, but a resend that is lost in turn is still
// asked for again and repaired within a bounded time. Simulated: a long jittery link (60-66 ms
// one way), 3 % loss first (so the standby times some repairs), then one frame whose first
// transmission and first resend are both dropped; sequence numbers crossing the 2^32 wrap.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { REPEAT_CAP_MS } from '../../../daemon/src/sync/repair-time.js';
import { seqInRange } from '../../../daemon/src/sync/serial.js';
import { DEFAULT_SYNC_OPTIONS } from '../../../daemon/src/sync/options.js';
import { decodeFrame } from '../../../daemon/src/wire/frame-codec.js';
import { ChangeStream, SimCluster, lossyTap, makeRecord, settle, streamChanges } from './sim-cluster.js';

const NEAR_WRAP = 0xffff_ffff - 1000;
const ONE_WAY_MAX = 66;

describe('a NACK repeated', () => {
  it('repairs a frame whose resend is lost too, within a bounded time, after waiting for the resend', () => {
    const sim = new SimCluster({ seed: 1, minDelayMs: 60, maxDelayMs: ONE_WAY_MAX });
    const changes = new ChangeStream(2, 3000);
    const primary = sim.start(1, { role: 'sender', table: changes.initial(2000), initialSeq: NEAR_WRAP });
    const standby = sim.start(2, { role: 'receiver' });
    expect(settle(sim, 1, 10_000)).toBeDefined();
    sim.clock.advance(2_000);

    const roll = new Prng(3);
    let target: number | undefined;
    let targetSent = 0;
    lossyTap(sim, primary, (type, seq, from) => {
      if (target === undefined) return roll.next() < 0.03;
      if (type !== 'data' || seq !== target || from !== primary.address) return false;
      targetSent++;
      return targetSent <= 2; // the first transmission and the first resend
    });
    streamChanges(sim, 1, changes, { ms: 1500, perMs: 2 });
    expect(settle(sim, 1, 20_000)).toBeDefined();
    const resentBefore = primary.node.counters.resentFrames;

    const nackedAt: number[] = [];
    sim.network.tap((frame, from) => {
      const decoded = from === standby.address ? decodeFrame(sim.keys, frame) : undefined;
      if (decoded?.ok !== true || decoded.message.type !== 'nack' || target === undefined) return;
      const wanted = target;
      if (decoded.message.ranges.some((range) => seqInRange(wanted, range.from, range.to))) nackedAt.push(sim.clock.now());
    });
    target = primary.node.outbound.lastSeq + 1;
    const record = makeRecord(5000, 1);
    const sentAt = sim.clock.now();
    primary.node.localChange({ op: 'set', record });
    primary.node.flush();
    sim.clock.advance(1);
    primary.node.localChange({ op: 'set', record: makeRecord(5001, 1) });
    primary.node.flush();
    const took = sim.clock.advanceUntil(() => standby.external.peek(1)?.get(record.table, record.key) !== undefined, 5_000, 1);

    const { nackRetryMs, tickMs } = DEFAULT_SYNC_OPTIONS;
    console.log(`lost resend: NACKed at +${nackedAt.map((at) => (at - sentAt).toFixed(1)).join(', +')} ms, repaired after ${took} ms`);
    expect(targetSent).toBe(3);
    expect(nackedAt).toHaveLength(2);
    const [first, second] = nackedAt as [number, number];
    // the repeat waited for the resend (longer than nackRetryMs), and no longer than the cap
    expect(second - first).toBeGreaterThan(nackRetryMs);
    expect(second - first).toBeLessThanOrEqual(REPEAT_CAP_MS + tickMs);
    // first NACK: one way, the reorder delay, a tick; then the repeat, and a round trip
    expect(took).toBeDefined();
    expect(took as number).toBeLessThanOrEqual(1 + ONE_WAY_MAX + nackRetryMs / 2 + tickMs + REPEAT_CAP_MS + tickMs + 2 * ONE_WAY_MAX);
    expect(primary.node.counters.resentFrames - resentBefore).toBe(2);
    expect(settle(sim, 1, 5_000)).toBeDefined();
    expect(sim.inSync(1, 2)).toBe(true);
  });
});
