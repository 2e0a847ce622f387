// Writes a run's report: report/<label>/ at the repository root (git-ignored) with README.md
// (the summary), one SVG plot per switch, and result.json (every observation, for re-analysis).
// The only module of the report that touches the filesystem.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyse, type Analysis } from '../harness/measure.js';
import { passVerdicts, type Verdict } from '../harness/pass-criteria.js';
import type { ScenarioResult } from '../harness/scenario-result.js';
import { phaseSeries } from './series.js';
import { renderSummary } from './summary-markdown.js';
import { renderPlot } from './svg-plot.js';

export const REPORT_ROOT = fileURLToPath(new URL('../../../../report/', import.meta.url));

export interface WrittenReport {
  readonly dir: string;
  readonly files: readonly string[];
  readonly analysis: Analysis;
  readonly verdicts: readonly Verdict[];
}

export interface ReportOptions {
  /** Default: report/<label> at the repository root. */
  readonly dir?: string;
  readonly note?: string;
  /** Also write result.json (large: every echo time). Default true. */
  readonly raw?: boolean;
}

export async function writeReport(result: ScenarioResult, options: ReportOptions = {}): Promise<WrittenReport> {
  const dir = options.dir ?? join(REPORT_ROOT, result.label);
  await mkdir(dir, { recursive: true });
  const analysis = analyse(result);
  const verdicts = passVerdicts(analysis, result.recoveryWindowMs, result.replicates);
  const files: string[] = [];
  const plots: Record<string, string> = {};
  for (const phase of result.phases) {
    const name = `${phase.name}.svg`;
    const title = `${result.label}: ${phase.name} (${result.stack})`;
    await writeFile(join(dir, name), renderPlot(phaseSeries(result, phase), title));
    plots[phase.name] = name;
    files.push(name);
  }
  await writeFile(join(dir, 'README.md'), renderSummary({ result, analysis, verdicts, plots, ...(options.note === undefined ? {} : { note: options.note }) }));
  files.push('README.md');
  if (options.raw !== false) {
    await writeFile(join(dir, 'result.json'), JSON.stringify(result));
    files.push('result.json');
  }
  return { dir, files, analysis, verdicts };
}
