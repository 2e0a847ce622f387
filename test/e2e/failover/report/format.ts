// Number formatting shared by the report's tables. Pure.
export const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
export const int = (v: number): string => v.toLocaleString('en-US');
export const pct = (part: number, whole: number): string => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(part === whole ? 0 : 1)} %`);
