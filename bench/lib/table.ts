// The result table: per row, the median wall and CPU time over K repetitions, the spread
// (fastest and slowest wall time), and the ratio to a baseline row (how many times longer the
// row took than the baseline: above 1, the baseline is faster).
import type { Sample } from './measure.js';
import { median } from './measure.js';

export interface Row {
  readonly label: string;
  readonly samples: readonly Sample[];
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`;
}

/** Median wall time of a row. */
export function medianWall(row: Row): number {
  return median(row.samples.map((s) => s.wallMs));
}

/** Formats `rows`; the ratio column compares each row's median wall time with `baseline`'s. */
export function formatTable(title: string, rows: readonly Row[], baseline: string): string {
  const base = rows.find((r) => r.label === baseline);
  const header = ['tool', 'wall (median)', 'CPU (median)', 'wall min-max', `ratio to ${baseline}`];
  const body = rows.map((r) => {
    const walls = r.samples.map((s) => s.wallMs);
    const wall = median(walls);
    const ratio = base === undefined ? '-' : `x${(wall / medianWall(base)).toFixed(2)}`;
    return [r.label, ms(wall), ms(median(r.samples.map((s) => s.cpuMs))), `${ms(Math.min(...walls))} - ${ms(Math.max(...walls))}`, ratio];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const k = Math.max(...rows.map((r) => r.samples.length));
  return [`## ${title} (K=${k})`, '', line(header), rule, ...body.map(line)].join('\n');
}
