// Prometheus text exposition format, version 0.0.4 (prometheus/docs content/docs/instrumenting/
// exposition_formats.md, "Text-based format"): per family a `# HELP` line (\ and newline
// escaped), a `# TYPE` line, then `name{label="value",...} value` lines, label values with \ " and
// newline escaped, values as Go floats (+Inf, -Inf, NaN), every line ending in \n. Histograms are
// `_bucket` lines with cumulative counts and an `le` label ending at "+Inf" (= `_count`), then
// `_sum` and `_count`. Pure: families in, text out; invalid names are a programming error.
import { HalfRepoError } from '../../../repo-tool/src/model/errors.js';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** Appended to the family name: '' for counters and gauges, _bucket/_sum/_count for histograms. */
  readonly suffix: '' | '_bucket' | '_sum' | '_count';
  readonly labels: Labels;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** A metric or label name is invalid, or a family is inconsistent. */
export class ExpositionError extends HalfRepoError {}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Object.is(value, -0) ? '0' : String(value);
}

function formatLabels(family: string, labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new ExpositionError(`metric ${family}: invalid label name "${name}"`);
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function checkFamily(family: MetricFamily): void {
  if (!METRIC_NAME.test(family.name)) throw new ExpositionError(`invalid metric name "${family.name}"`);
  for (const sample of family.samples) {
    const histogramPart = sample.suffix !== '';
    if (histogramPart !== (family.type === 'histogram')) {
      throw new ExpositionError(`metric ${family.name}: a ${family.type} cannot have a sample with suffix "${sample.suffix}"`);
    }
    if (sample.suffix === '_bucket' && sample.labels['le'] === undefined) throw new ExpositionError(`metric ${family.name}: a bucket without "le"`);
  }
}

/** The exposition text of `families`, in the order given. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let text = '';
  for (const family of families) {
    checkFamily(family);
    if (seen.has(family.name)) throw new ExpositionError(`metric ${family.name} appears twice`);
    seen.add(family.name);
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      text += `${family.name}${sample.suffix}${formatLabels(family.name, sample.labels)} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}

/** A counter or gauge family from (labels, value) pairs. */
export function simpleFamily(type: 'counter' | 'gauge' | 'untyped', name: string, help: string, values: readonly (readonly [Labels, number])[]): MetricFamily {
  return { name, help, type, samples: values.map(([labels, value]) => ({ suffix: '', labels, value })) };
}

export interface HistogramData {
  /** Upper bounds, ascending, in the unit of the metric. */
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative: one more than bounds (the last above all). */
  readonly counts: readonly number[];
  readonly sum: number;
}

/** A histogram family: cumulative `le` buckets up to +Inf, then _sum and _count. */
export function histogramFamily(name: string, help: string, data: HistogramData, labels: Labels = {}): MetricFamily {
  if (data.counts.length !== data.bounds.length + 1) {
    throw new ExpositionError(`metric ${name}: ${data.counts.length} bucket counts for ${data.bounds.length} bounds (want one more)`);
  }
  const samples: Sample[] = [];
  let cumulative = 0;
  data.counts.forEach((count, i) => {
    cumulative += count;
    const bound = data.bounds[i];
    samples.push({ suffix: '_bucket', labels: { ...labels, le: bound === undefined ? '+Inf' : formatValue(bound) }, value: cumulative });
  });
  samples.push({ suffix: '_sum', labels, value: data.sum }, { suffix: '_count', labels, value: cumulative });
  return { name, help, type: 'histogram', samples };
}
