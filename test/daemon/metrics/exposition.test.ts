// The text exposition writer: golden bytes for every feature (escaping in HELP and label values,
// special float values, histograms), the Prometheus client's parser reading it back to the same
// values, and clear errors for what the format cannot carry.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, ExpositionError, formatValue, histogramFamily, renderExposition, simpleFamily, type MetricFamily } from '../../../daemon/src/metrics/exposition.js';
import { expectGolden } from './fixtures/golden.js';
import { parseWithPrometheusClient } from './fixtures/prometheus-parser.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const FAMILIES: MetricFamily[] = [
  simpleFamily('counter', 'demo_requests_total', 'Requests, by path.\nSecond line with a \\ backslash.', [
    [{ path: '/metrics' }, 12],
    [{ path: 'quote " backslash \\ newline \n end' }, 1],
  ]),
  simpleFamily('gauge', 'demo_values', 'Special values.', [
    [{ kind: 'nan' }, NaN],
    [{ kind: 'inf' }, Infinity],
    [{ kind: 'neg_inf' }, -Infinity],
    [{ kind: 'negative_zero' }, -0],
    [{ kind: 'small' }, 1.5e-7],
    [{ kind: 'big' }, 12345678901234],
    [{ kind: 'fraction' }, 0.25],
  ]),
  simpleFamily('gauge', 'demo_empty', 'A family without samples.', []),
  simpleFamily('untyped', 'demo_untyped', 'No type.', [[{}, 3]]),
  histogramFamily('demo_latency_seconds', 'A histogram.', { bounds: [0.001, 0.01, 0.1], counts: [2, 0, 5, 1], sum: 1.234 }, { peer: '2' }),
];

describe('renderExposition', () => {
  it('writes format 0.0.4 byte for byte', () => {
    expectGolden(GOLDEN, 'exposition.prom', renderExposition(FAMILIES));
  });

  it('is read back by the Prometheus client parser to the same values', async () => {
    const parsed = await parseWithPrometheusClient(renderExposition(FAMILIES));
    expect(parsed.map((f) => [f.name, f.type])).toEqual([
      ['demo_requests', 'counter'],
      ['demo_values', 'gauge'],
      ['demo_empty', 'gauge'],
      ['demo_untyped', 'unknown'],
      ['demo_latency_seconds', 'histogram'],
    ]);
    const [requests, values, , , histogram] = parsed;
    expect(requests?.help).toBe('Requests, by path.\nSecond line with a \\ backslash.');
    expect(requests?.samples[1]?.labels).toEqual({ path: 'quote " backslash \\ newline \n end' });
    expect(values?.samples.map((s) => s.value)).toEqual(['nan', 'inf', '-inf', '0.0', '1.5e-07', '12345678901234.0', '0.25']);
    expect(histogram?.samples.map((s) => [s.name, s.labels['le'] ?? '', s.value])).toEqual([
      ['demo_latency_seconds_bucket', '0.001', '2.0'],
      ['demo_latency_seconds_bucket', '0.01', '2.0'],
      ['demo_latency_seconds_bucket', '0.1', '7.0'],
      ['demo_latency_seconds_bucket', '+Inf', '8.0'],
      ['demo_latency_seconds_sum', '', '1.234'],
      ['demo_latency_seconds_count', '', '8.0'],
    ]);
    expect(histogram?.samples[0]?.labels).toEqual({ peer: '2', le: '0.001' });
  });

  it.each<[string, MetricFamily[], RegExp]>([
    ['a bad metric name', [simpleFamily('gauge', '9lives', 'x', [])], /invalid metric name "9lives"/],
    ['a bad label name', [simpleFamily('gauge', 'ok', 'x', [[{ 'bad-label': 'v' }, 1]])], /invalid label name "bad-label"/],
    ['a reserved label name', [simpleFamily('gauge', 'ok', 'x', [[{ __name__: 'v' }, 1]])], /invalid label name "__name__"/],
    ['a name twice', [simpleFamily('gauge', 'twice', 'x', []), simpleFamily('counter', 'twice', 'y', [])], /twice appears twice/],
    ['a bucket in a gauge', [{ name: 'g', help: '', type: 'gauge', samples: [{ suffix: '_bucket', labels: { le: '1' }, value: 1 }] }], /a gauge cannot have a sample with suffix "_bucket"/],
    ['a histogram sample without suffix', [{ name: 'h', help: '', type: 'histogram', samples: [{ suffix: '', labels: {}, value: 1 }] }], /a histogram cannot have a sample with suffix ""/],
    ['a bucket without le', [{ name: 'h', help: '', type: 'histogram', samples: [{ suffix: '_bucket', labels: {}, value: 1 }] }], /a bucket without "le"/],
  ])('refuses %s', (_name, families, message) => {
    expect(() => renderExposition(families)).toThrow(ExpositionError);
    expect(() => renderExposition(families)).toThrow(message);
  });

  it('refuses histogram data whose counts do not fit the bounds', () => {
    expect(() => histogramFamily('h', 'x', { bounds: [1, 2], counts: [1, 2], sum: 0 })).toThrow(/2 bucket counts for 2 bounds/);
  });

  it('escapes exactly what the format asks', () => {
    expect(escapeHelp('a\\b\nc"d')).toBe('a\\\\b\\nc"d');
    expect(escapeLabelValue('a\\b\nc"d')).toBe('a\\\\b\\nc\\"d');
    expect([NaN, Infinity, -Infinity, -0, 42, 0.1].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0', '42', '0.1']);
  });
});
