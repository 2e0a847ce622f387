// half-syncd's metrics from a status snapshot: golden text, read back by the Prometheus client
// parser with the values the snapshot holds (seconds, not milliseconds), every histogram well
// formed, every sync counter exported.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { daemonMetrics, snakeCase } from '../../../daemon/src/metrics/daemon-metrics.js';
import { renderExposition } from '../../../daemon/src/metrics/exposition.js';
import { emptySyncCounters } from '../../../daemon/src/sync/counters.js';
import { COMMIT_BOUNDS_MS, emptySnapshot, LAG_BOUNDS_MS } from '../../../daemon/src/metrics/latency-histogram.js';
import { sampleParts, sampleStatus } from '../control/fixtures/sample-status.js';
import { expectGolden } from './fixtures/golden.js';
import { parseWithPrometheusClient, type ParsedFamily } from './fixtures/prometheus-parser.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

function value(families: readonly ParsedFamily[], sample: string, labels: Record<string, string> = {}): number {
  for (const family of families) {
    for (const s of family.samples) {
      if (s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return Number(s.value.replace('inf', 'Infinity').replace('nan', 'NaN'));
    }
  }
  throw new Error(`no sample ${sample} ${JSON.stringify(labels)}`);
}

describe('daemonMetrics', () => {
  it('renders the sample status byte for byte', () => {
    expectGolden(GOLDEN, 'daemon-metrics.prom', renderExposition(daemonMetrics(sampleStatus())));
  });

  it('carries the status values, as the Prometheus client reads them', async () => {
    const status = sampleStatus();
    const families = await parseWithPrometheusClient(renderExposition(daemonMetrics(status)));
    expect(value(families, 'half_events_in_total')).toBe(123_456);
    expect(value(families, 'half_events_out_total')).toBe(120_000);
    expect(value(families, 'half_nacks_total', { direction: 'received' })).toBe(4);
    expect(value(families, 'half_dropped_frames_total', { reason: 'forged' })).toBe(2);
    expect(value(families, 'half_overruns_total')).toBe(2);
    expect(value(families, 'half_table_entries', { table: 'kernel' })).toBe(1300);
    expect(value(families, 'half_peer_up', { peer: '2', address: '203.0.113.2' })).toBe(1);
    expect(value(families, 'half_peer_up', { peer: '3' })).toBe(0);
    expect(value(families, 'half_peer_last_seen_seconds', { peer: '3' })).toBe(12.5);
    expect(value(families, 'half_peer_lag_frames', { peer: '2' })).toBe(10);
    expect(value(families, 'half_commit_last_duration_seconds')).toBeCloseTo(0.0455, 10);
    expect(value(families, 'half_commit_last_entries', { outcome: 'failed' })).toBe(4);
    expect(value(families, 'half_replication_lag_quantile_seconds', { percentile: '50' })).toBeCloseTo(0.005, 3);
    expect(value(families, 'half_replication_lag_seconds_count')).toBe(100);
    expect(value(families, 'half_replication_lag_seconds_sum')).toBeCloseTo(0.505, 9);
    expect(value(families, 'half_replication_lag_seconds_bucket', { le: '0.001' })).toBe(10);
    expect(value(families, 'half_control_errors_total', { code: 'bad-json' })).toBe(1);
    expect(value(families, 'half_info', { role: 'sender', ha: 'MASTER', node_id: '1' })).toBe(1);
    expect(value(families, 'half_sync_heartbeats_sent_total')).toBe(800);
    expect(value(families, 'half_kernel_undecodable_total')).toBe(0);
    expect(value(families, 'half_kernel_recv_buffer_bytes')).toBe(67_108_864);
    expect(value(families, 'half_kernel_events_subscribed')).toBe(1);
    expect(value(families, 'half_kernel_event_reader_info', { reader: 'daemon', fallback: '0' })).toBe(1);
  });

  it('exports the two sync links only when there are two', async () => {
    const links = { switches: 1, links: [{ interface: 'sync0', active: false, silentForMs: 12_500, sendErrors: 3 }, { interface: 'sync1', active: true, silentForMs: 180, sendErrors: 0 }] };
    const families = await parseWithPrometheusClient(renderExposition(daemonMetrics(sampleStatus({ syncLinks: links }))));
    expect(value(families, 'half_sync_link_active', { interface: 'sync1' })).toBe(1);
    expect(value(families, 'half_sync_link_active', { interface: 'sync0' })).toBe(0);
    expect(value(families, 'half_sync_link_last_heard_seconds', { interface: 'sync0' })).toBe(12.5);
    expect(value(families, 'half_sync_link_send_errors_total', { interface: 'sync0' })).toBe(3);
    expect(value(families, 'half_sync_link_switches_total')).toBe(1);
    expect(renderExposition(daemonMetrics(sampleStatus()))).not.toContain('half_sync_link_');
  });

  it('counts the multicast rejoins of the sync link, and exports none for a daemon that sends no channel counters', async () => {
    const families = await parseWithPrometheusClient(renderExposition(daemonMetrics(sampleStatus({ channel: { multicastRejoins: 2 } }))));
    expect(value(families, 'half_sync_multicast_rejoins_total')).toBe(2);
    const { channel: _older, ...counters } = sampleStatus().counters;
    const older = { ...sampleStatus(), counters };
    expect(renderExposition(daemonMetrics(older))).not.toMatch(/^half_sync_multicast_rejoins_total /m);
  });

  it('says when the events are read by a fallback, and exports no reader before the first subscription', async () => {
    const events = sampleParts().kernelEvents;
    const pump = await parseWithPrometheusClient(renderExposition(daemonMetrics(sampleStatus({ kernelEvents: { ...events!, reader: 'pump', fallback: 'the keeper thread failed' } }))));
    expect(value(pump, 'half_kernel_event_reader_info', { reader: 'pump', fallback: '1' })).toBe(1);
    const text = renderExposition(daemonMetrics(sampleStatus({ kernelEvents: { ...events!, reader: undefined, subscribed: false } })));
    expect(text).not.toMatch(/^half_kernel_event_reader_info\{/m);
    expect(value(await parseWithPrometheusClient(text), 'half_kernel_events_subscribed')).toBe(0);
  });

  it('writes well-formed histograms: cumulative buckets, +Inf equal to the count', async () => {
    const families = await parseWithPrometheusClient(renderExposition(daemonMetrics(sampleStatus())));
    for (const family of families.filter((f) => f.type === 'histogram')) {
      const buckets = family.samples.filter((s) => s.name.endsWith('_bucket'));
      const counts = buckets.map((s) => Number(s.value));
      expect(counts, family.name).toEqual([...counts].sort((a, b) => a - b));
      expect(buckets.at(-1)?.labels['le']).toBe('+Inf');
      expect(counts.at(-1)).toBe(value(families, `${family.name}_count`));
    }
  });

  it('exports every sync counter, under a name of its own or as half_sync_<name>_total', () => {
    const names = new Set(daemonMetrics(sampleStatus()).map((f) => f.name));
    const named: Record<string, string> = {
      recordsSent: 'half_events_out_total', recordsApplied: 'half_records_applied_total', resentFrames: 'half_resent_frames_total',
      nacksSent: 'half_nacks_total', nacksReceived: 'half_nacks_total', resyncsStarted: 'half_resyncs_total', resendQueueOverflows: 'half_resend_queue_overflows_total',
    };
    for (const key of Object.keys(emptySyncCounters()).filter((k) => k !== 'drops')) {
      expect(names.has(named[key] ?? `half_sync_${snakeCase(key)}_total`), key).toBe(true);
    }
  });

  it('exports no peer samples, and NaN for what has no value yet', async () => {
    const status = sampleStatus({
      sync: { ...sampleParts().sync, peers: [] },
      kernelEntries: null,
      replicationLag: emptySnapshot(LAG_BOUNDS_MS),
      commits: { count: 0, last: null, durationMs: emptySnapshot(COMMIT_BOUNDS_MS) },
    });
    const text = renderExposition(daemonMetrics(status));
    expect(text).not.toMatch(/^half_peer_up\{/m);
    expect(text).toMatch(/^# TYPE half_peer_up gauge$/m);
    const families = await parseWithPrometheusClient(text);
    expect(value(families, 'half_replication_lag_quantile_seconds', { percentile: '99' })).toBeNaN();
    expect(value(families, 'half_commit_last_duration_seconds')).toBeNaN();
    expect(value(families, 'half_table_entries', { table: 'kernel' })).toBeNaN();
    expect(value(families, 'half_commit_duration_seconds_count')).toBe(0);
  });
});

it('turns counter names into snake case', () => {
  expect(['framesSent', 'resendQueueOverflows', 'recvBufferSize', 'joins'].map(snakeCase)).toEqual(['frames_sent', 'resend_queue_overflows', 'recv_buffer_size', 'joins']);
});
