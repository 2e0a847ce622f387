import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../fixtures/synthetic-run.js';
import { analyse } from './measure.js';

const a = analyse(syntheticRun());
const [failover, failback] = a.phases;

describe('analyse', () => {
  it('counts flows kept and intact per kind, and the NAT-remapped ones', () => {
    expect(failover).toMatchObject({ flows: 8, kept: 6, intact: 5 });
    expect(failover?.kinds).toEqual([
      { kind: 'tcp', flows: 4, kept: 3, intact: 3, remapped: 1, remappedKept: 1 },
      { kind: 'udp', flows: 2, kept: 1, intact: 1, remapped: 0, remappedKept: 0 },
      { kind: 'ftp-control', flows: 1, kept: 1, intact: 0, remapped: 0, remappedKept: 0 },
      { kind: 'ftp-data', flows: 1, kept: 1, intact: 1, remapped: 0, remappedKept: 0 },
    ]);
    expect(failover?.lost.map((o) => o.flowId)).toEqual([7, 4, 6]);
    expect(failback).toMatchObject({ flows: 8, kept: 7, intact: 7 });
  });

  it('times the takeover from the switch: VIPs, first forwarded echo, last flow back, commit', () => {
    expect(failover).toMatchObject({ vipMovedMs: 1400, firstForwardMs: 1500, allBackMs: 1500, commitMs: 12, notifyAfterVipMs: 2, resyncedMs: undefined, invalidDrops: 7 });
    expect(failback).toMatchObject({ vipMovedMs: 4000, firstForwardMs: 4200, allBackMs: 4200, commitMs: 18, resyncedMs: 1000 });
  });

  it('spreads the longest gap per flow over the flows alive before the switch', () => {
    expect(failover?.longestGap).toEqual({ count: 8, p50: 1600, p99: 5100, max: 5100 });
    expect(failover?.longestGapByKind.udp).toEqual({ count: 2, p50: 1600, p99: 1600, max: 1600 });
    expect(failback?.longestGap).toEqual({ count: 7, p50: 200, p99: 200, max: 200 });
  });

  it('reports the run: RSTs, probes, the FTP helper, transfers by phase, VRRP acquisitions, sync time', () => {
    expect(a.rst).toEqual({ gatewayReceived: 0, gatewaySent: 0, lanReceived: 0, lanSent: 0 });
    expect(a).toMatchObject({ refusedBefore: true, lanServiceReachable: true, badEchoes: 1, helperRewrotePort: true, syncMs: 1234 });
    expect(a.ftpLateTransfers.map((t) => [t.phase, t.ok])).toEqual([['failover', true], ['failback', false]]);
    // armed before each switch, asked for after the VIPs moved
    expect(a.ftpPendingTransfers.map((t) => [t.phase, t.crossed, t.ok])).toEqual([['failover', true, true], ['failback', true, false]]);
    expect(a.acquisitions.map((x) => x.node)).toEqual(['halfone', 'halftwo', 'halfone']);
  });
});
