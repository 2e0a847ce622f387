import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../fixtures/synthetic-run.js';
import { analyse } from './measure.js';
import { passVerdicts } from './pass-criteria.js';

describe('passVerdicts', () => {
  const run = syntheticRun();
  const verdicts = passVerdicts(analyse(run), run.recoveryWindowMs, run.replicates);
  const ok = (id: string, phase?: string): boolean | undefined => verdicts.find((v) => v.id === id && v.phase === phase)?.ok;

  it('judges the run as a whole', () => {
    expect([ok('zero-rst'), ok('outside-refused'), ok('synced-first'), ok('single-takeover')]).toEqual([true, true, true, true]);
  });

  it('judges each switch: every flow kept, FTP, intact echoes, outside refused', () => {
    expect(verdicts.filter((v) => v.phase === 'failover').map((v) => [v.id, v.ok])).toEqual([
      ['tcp-kept', false], ['udp-kept', false], ['ftp-kept', true], ['ftp-new-transfer', true], ['ftp-pending-transfer', true], ['intact', false], ['outside-refused', true],
    ]);
    expect(verdicts.filter((v) => v.phase === 'failback' && !v.ok).map((v) => v.id)).toEqual(['tcp-kept', 'ftp-new-transfer', 'ftp-pending-transfer']);
    expect(verdicts.find((v) => v.id === 'tcp-kept')?.text).toBe('TCP flows working again within 10 s: 3 of 4 (NAT-remapped: 1 of 1)');
  });

  it('fails a pending FTP transfer that did not cross the switch: PORT after it, or none tried', () => {
    const [tom, jerry] = run.clients;
    const pending = (transfers: NonNullable<typeof tom>['ftpPendingTransfers']) => ({ ...run, clients: [{ ...tom!, ftpPendingTransfers: transfers }, jerry!] });
    const verdict = (r: typeof run) => passVerdicts(analyse(r), r.recoveryWindowMs, true).find((v) => v.id === 'ftp-pending-transfer' && v.phase === 'failover');
    const late = pending([{ armedAt: run.phases[0]!.startedAt + 100, at: run.phases[0]!.startedAt + 2000, ok: true, detail: '16384 of 16384 bytes' }]);
    expect(verdict(late)).toMatchObject({ ok: false, text: expect.stringMatching(/: PORT and RETR not on either side of the switch$/) });
    expect(verdict(pending([]))).toMatchObject({ ok: false, text: expect.stringMatching(/: not tried$/) });
  });

  it('fails when RSTs were seen, or VRRP switched more often than the scenario did', () => {
    const noisy = { ...run, rst: { ...run.rst, gateway: { received: 3, sent: 0 } }, vipEvents: [...run.vipEvents, { at: run.endedAt, node: 'halftwo' as const, vip: '192.0.2.254', change: 'added' as const }] };
    const v = passVerdicts(analyse(noisy), noisy.recoveryWindowMs, true);
    expect(v.filter((x) => x.phase === undefined && !x.ok).map((x) => x.id)).toEqual(['zero-rst', 'single-takeover']);
  });

  it('needs no sync from a stack that does not replicate', () => {
    const unsynced = { ...run, syncedAt: undefined };
    expect(passVerdicts(analyse(unsynced), run.recoveryWindowMs, true).find((v) => v.id === 'synced-first')?.ok).toBe(false);
    expect(passVerdicts(analyse(unsynced), run.recoveryWindowMs, false).find((v) => v.id === 'synced-first')?.ok).toBe(true);
  });
});
