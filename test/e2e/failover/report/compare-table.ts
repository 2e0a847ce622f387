// The bench's side-by-side table (issue 5 §3): one row per stack run in the same bench, with
// flows kept, RSTs, takeover and gap times of the failover; a stack that could not run shows
// why. Pure: rows in, plain text out.
import type { Analysis } from '../harness/measure.js';
import type { Verdict } from '../harness/pass-criteria.js';
import { int, ms } from './format.js';

export type CompareRow =
  | { readonly stack: string; readonly ran: true; readonly analysis: Analysis; readonly verdicts: readonly Verdict[]; readonly reportDir: string }
  | { readonly stack: string; readonly ran: false; readonly why: string };

const COLUMNS = ['stack', 'kept', 'intact', 'NAT-remapped kept', 'RST', 'VIPs moved', 'first echo', 'last flow back', 'gap p50', 'gap p99', 'gap max', 'commit', 'criteria failed'] as const;

function cells(row: CompareRow): string[] {
  if (!row.ran) return [row.stack, `not run: ${row.why}`];
  const p = row.analysis.phases.find((x) => x.name === 'failover');
  if (p === undefined) return [row.stack, 'no failover observed'];
  const remapped = p.kinds.reduce((n, k) => n + k.remapped, 0);
  const remappedKept = p.kinds.reduce((n, k) => n + k.remappedKept, 0);
  const rst = row.analysis.rst.gatewayReceived + row.analysis.rst.gatewaySent;
  const failed = row.verdicts.filter((v) => !v.ok).map((v) => `${v.id}${v.phase === undefined ? '' : `@${v.phase}`}`);
  return [
    row.stack,
    `${int(p.kept)}/${int(p.flows)}`,
    int(p.intact),
    `${int(remappedKept)}/${int(remapped)}`,
    int(rst),
    ms(p.vipMovedMs),
    ms(p.firstForwardMs),
    ms(p.allBackMs),
    ms(p.longestGap.p50),
    ms(p.longestGap.p99),
    ms(p.longestGap.max),
    ms(p.commitMs),
    failed.length === 0 ? 'none' : failed.join(' '),
  ];
}

/** Columns padded to their widest cell; a row that did not run spans the rest of the line. */
export function renderCompareTable(rows: readonly CompareRow[]): string {
  const body = rows.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...body.filter((r) => r.length === COLUMNS.length).map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => (r.length === COLUMNS.length ? r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ') : `${(r[0] ?? '').padEnd(widths[0] ?? 0)}  ${r.slice(1).join('  ')}`).trimEnd();
  return [line(COLUMNS), ...body.map(line)].join('\n') + '\n';
}
