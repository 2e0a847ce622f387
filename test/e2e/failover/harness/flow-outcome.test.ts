import { describe, expect, it } from 'vitest';
import { FAILBACK_AT, FAILOVER_AT, syntheticRun, T0 } from '../fixtures/synthetic-run.js';
import { flowOutcome } from './flow-outcome.js';

const run = syntheticRun();
const flows = new Map(run.clients.flatMap((c) => c.flows).map((f) => [f.flowId, f]));
const views = new Map(run.server.flows.map((v) => [v.flowId, v]));
const failover = { startedAt: FAILOVER_AT, endedAt: T0 + 15_000, recoveryWindowMs: 10_000, liveWindowMs: 1000 };
const outcome = (id: number, w = failover) => flowOutcome(flows.get(id)!, views.get(id), w);

describe('flowOutcome', () => {
  it('measures the longest gap from the last echo before the switch to the first one after it', () => {
    const o = outcome(1);
    expect(o).toMatchObject({ aliveBefore: true, longestGapMs: 1600, resumedAt: T0 + 11_500, kept: true, remapped: false, why: '' });
  });

  it('tells a NAT-remapped flow from the server\'s view of its source port', () => {
    expect(outcome(3).remapped).toBe(true);
    expect(outcome(2).remapped).toBe(false);
  });

  it('loses a flow that never came back, counting its gap to the end of the observation', () => {
    expect(outcome(4)).toMatchObject({ kept: false, longestGapMs: 5100, resumedAt: undefined, why: 'silent at the end' });
  });

  it('loses a flow whose translated source changed during the phase', () => {
    expect(outcome(6)).toMatchObject({ kept: false, why: 'NAT mapping changed to 198.51.100.254:55555' });
  });

  it('keeps a flow with a wrong echo but says it was damaged', () => {
    const o = outcome(7);
    expect(o.kept).toBe(true);
    expect(o.corrupted).toEqual([{ at: T0 + 11_700, what: '502 not implemented: "P"' }]);
    expect(o.why).toBe('1 wrong echo (502 not implemented: "P")');
  });

  it('judges each phase on its own window', () => {
    const failback = { startedAt: FAILBACK_AT, endedAt: T0 + 24_000, recoveryWindowMs: 10_000, liveWindowMs: 1000 };
    expect(outcome(6, failback)).toMatchObject({ kept: true, why: '' });
    expect(outcome(7, failback)).toMatchObject({ kept: true, corrupted: [], longestGapMs: 200 });
    expect(outcome(4, failback)).toMatchObject({ aliveBefore: false, kept: false, why: 'not alive before the switch' });
  });

  it('loses a flow whose gap exceeds the recovery window even if it came back', () => {
    expect(outcome(1, { ...failover, recoveryWindowMs: 1500 })).toMatchObject({ kept: false, why: 'gap of 1600 ms' });
  });

  it('loses a flow that had a socket error in the phase', () => {
    const flow = { ...flows.get(2)!, errors: [{ at: T0 + 10_500, what: 'ECONNRESET' }] };
    expect(flowOutcome(flow, views.get(2), failover)).toMatchObject({ kept: false, why: 'socket ECONNRESET' });
  });
});
