import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../fixtures/synthetic-run.js';
import { phaseSeries } from './series.js';

const run = syntheticRun();
const series = phaseSeries(run, run.phases[0]!);
const at = (t: number) => series.points.find((p) => Math.abs(p.t - t) < 1e-9);

describe('phaseSeries', () => {
  it('buckets echoes per 100 ms from 3 s before the switch to the end of the observation', () => {
    expect(series.points).toHaveLength(80);
    expect(series.totalFlows).toBe(8);
    expect(at(-3)).toEqual({ t: -3, echoesPerSecond: 80, liveFlows: 8 });
    expect(at(0)).toEqual({ t: 0, echoesPerSecond: 0, liveFlows: 8 });
    expect(at(1.5)).toEqual({ t: 1.5, echoesPerSecond: 70, liveFlows: 7 });
  });

  it('counts a flow live until its last echo is older than the live window', () => {
    expect(at(0.8)?.liveFlows).toBe(8);
    expect(at(0.9)?.liveFlows).toBe(0);
    expect(at(1.4)?.liveFlows).toBe(7);
  });

  it('marks the switch, the VIPs moving and the commit ending, in seconds from the switch', () => {
    expect(series.marks).toEqual([
      { t: 0, label: 'halfone off' },
      { t: 1.4, label: 'VIPs on halftwo' },
      { t: 1.415, label: 'commit done' },
    ]);
  });
});
