import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyse } from '../harness/measure.js';
import { passVerdicts } from '../harness/pass-criteria.js';
import { expectGolden } from '../fixtures/golden.js';
import { syntheticRun } from '../fixtures/synthetic-run.js';
import { renderSummary } from './summary-markdown.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const result = syntheticRun();
const analysis = analyse(result);
const verdicts = passVerdicts(analysis, result.recoveryWindowMs, true);
const text = renderSummary({ result, analysis, verdicts, note: 'A synthetic run.', plots: { failover: 'failover.svg', failback: 'failback.svg' } });

describe('renderSummary', () => {
  it('writes the same Markdown for the same run', async () => {
    await expectGolden(join(GOLDEN, 'summary.md'), text);
  });

  it('shows every verdict, failures marked', () => {
    for (const v of verdicts) expect(text).toContain(`| ${v.ok ? 'pass' : '**FAIL**'} | ${v.text} | ${v.phase ?? 'run'} |`);
  });

  it('has the sections the issue asks for: flows kept per kind, takeover, gaps, RSTs, plots', () => {
    for (const heading of ['## Flows kept', '## Takeover', '## Longest gap per flow', '## RSTs and refused connections', '![failover](failover.svg)', '![failback](failback.svg)']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('| failover | tcp | 4 | 3 (75.0 %) | 3 | 1 of 1 |');
    expect(text).toContain('| failover, all | 8 | 1.60 s | 5.10 s | 5.10 s |');
    expect(text).toContain('| commit of the replicated state | 12 ms | 18 ms |');
  });
});
