import { describe, expect, it } from 'vitest';
import { analyse } from '../harness/measure.js';
import { passVerdicts } from '../harness/pass-criteria.js';
import { syntheticRun } from '../fixtures/synthetic-run.js';
import { renderCompareTable } from './compare-table.js';

describe('renderCompareTable', () => {
  it('puts the stacks side by side, failover numbers first, and says why a stack did not run', () => {
    const result = syntheticRun();
    const analysis = analyse(result);
    const text = renderCompareTable([
      { stack: 'reference', ran: true, analysis, verdicts: passVerdicts(analysis, result.recoveryWindowMs, true), reportDir: '/r' },
      { stack: 'HALF', ran: false, why: 'not yet available' },
    ]);
    const [head, reference, half] = text.trimEnd().split('\n');
    expect(head).toMatch(/^stack\s+kept\s+intact\s+NAT-remapped kept\s+RST\s+VIPs moved/);
    expect(reference?.split(/\s{2,}/)).toEqual(['reference', '6/8', '5', '1/1', '0', '1.40 s', '1.50 s', '1.50 s', '1.60 s', '5.10 s', '5.10 s', '12 ms', 'tcp-kept@failover udp-kept@failover intact@failover tcp-kept@failback ftp-new-transfer@failback ftp-pending-transfer@failback']);
    expect(half).toMatch(/^HALF\s+not run: not yet available$/);
  });
});
