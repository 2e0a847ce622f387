// The report's plot, written as SVG 1.1 text (W3C SVG 1.1 §9 basic shapes, §10 text) with no
// dependency: aggregate throughput (echoes per second, left axis) and live flows (right axis)
// against seconds from the switch, with dashed vertical marks (switch, VIPs moved, commit done).
// The burst of retransmissions that ends an outage can be ten times the steady rate: the left
// axis stops at three times the median rate, and a clipped peak is drawn at the top and named.
// Pure: the same series give the same bytes (coordinates rounded to 0.1).
import type { PhaseSeries } from './series.js';

const W = 900;
const H = 420;
const M = { left: 70, right: 70, top: 48, bottom: 52 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const COLORS = { throughput: '#1f77b4', live: '#d62728', mark: '#555555', grid: '#dddddd' };

const f = (n: number): string => (Math.round(n * 10) / 10).toString();

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round tick step (1, 2 or 5 times a power of ten) giving about `count` ticks up to `max`. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

function ticks(max: number, count: number): number[] {
  const step = niceStep(max, count);
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function renderPlot(series: PhaseSeries, title: string): string {
  const pts = series.points;
  const t0 = pts[0]?.t ?? 0;
  const t1 = Math.max(t0 + 1, (pts.at(-1)?.t ?? 0) + (pts.length > 1 ? (pts[1] as { t: number }).t - t0 : 0.1));
  const rates = pts.map((p) => p.echoesPerSecond).sort((a, b) => a - b);
  const peak = Math.max(1, ...rates);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  const maxRate = median > 0 ? Math.min(peak, 3 * median) : peak;
  const rateStep = niceStep(maxRate * 1.05, 5);
  const rateMax = Math.ceil((maxRate * 1.05) / rateStep) * rateStep;
  const flowMax = Math.max(1, series.totalFlows);
  const x = (t: number): number => M.left + ((t - t0) / (t1 - t0)) * PW;
  const yRate = (r: number): number => M.top + PH - (Math.min(r, rateMax) / rateMax) * PH;
  const yFlows = (n: number): number => M.top + PH - (n / flowMax) * PH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`);
  if (peak > rateMax) out.push(`<text x="${M.left}" y="42" fill="${COLORS.throughput}">peak ${Math.round(peak)}/s (clipped)</text>`);
  for (const r of ticks(rateMax, 5)) {
    out.push(`<line x1="${M.left}" y1="${f(yRate(r))}" x2="${M.left + PW}" y2="${f(yRate(r))}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${M.left - 6}" y="${f(yRate(r) + 4)}" text-anchor="end" fill="${COLORS.throughput}">${r}</text>`);
  }
  for (const n of ticks(flowMax, 5)) out.push(`<text x="${M.left + PW + 6}" y="${f(yFlows(n) + 4)}" fill="${COLORS.live}">${n}</text>`);
  const tStep = niceStep(t1 - t0, 10);
  for (let k = Math.ceil(t0 / tStep); k * tStep <= t1; k++) {
    const tt = Math.round(k * tStep * 1000) / 1000;
    out.push(`<line x1="${f(x(tt))}" y1="${M.top + PH}" x2="${f(x(tt))}" y2="${M.top + PH + 5}" stroke="#000000"/>`);
    out.push(`<text x="${f(x(tt))}" y="${M.top + PH + 18}" text-anchor="middle">${tt}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#000000"/>`);
  out.push(`<text x="${M.left + PW / 2}" y="${H - 12}" text-anchor="middle">seconds from the switch</text>`);
  out.push(`<text transform="translate(18 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle" fill="${COLORS.throughput}">echoes per second (all flows)</text>`);
  out.push(`<text transform="translate(${W - 16} ${M.top + PH / 2}) rotate(90)" text-anchor="middle" fill="${COLORS.live}">live flows (of ${series.totalFlows})</text>`);
  series.marks.forEach((m, i) => {
    if (m.t < t0 || m.t > t1) return;
    out.push(`<line x1="${f(x(m.t))}" y1="${M.top}" x2="${f(x(m.t))}" y2="${M.top + PH}" stroke="${COLORS.mark}" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${f(x(m.t) + 4)}" y="${M.top + 14 + i * 14}" fill="${COLORS.mark}">${escapeXml(m.label)}</text>`);
  });
  const line = (values: readonly number[], y: (v: number) => number): string => values.map((v, i) => `${f(x((pts[i] as { t: number }).t))},${f(y(v))}`).join(' ');
  out.push(`<polyline fill="none" stroke="${COLORS.throughput}" stroke-width="1.5" points="${line(pts.map((p) => p.echoesPerSecond), yRate)}"/>`);
  out.push(`<polyline fill="none" stroke="${COLORS.live}" stroke-width="2" points="${line(pts.map((p) => p.liveFlows), yFlows)}"/>`);
  const lx = M.left + PW - 220;
  out.push(`<line x1="${lx}" y1="38" x2="${lx + 24}" y2="38" stroke="${COLORS.throughput}" stroke-width="2"/><text x="${lx + 30}" y="42">throughput</text>`);
  out.push(`<line x1="${lx + 120}" y1="38" x2="${lx + 144}" y2="38" stroke="${COLORS.live}" stroke-width="2"/><text x="${lx + 150}" y="42">live flows</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
