// half-syncd's metrics, from the same DaemonStatus snapshot `half status` shows: what the
// endpoint serves on 127.0.0.1. Latencies in seconds, as Prometheus' naming conventions ask
// (prometheus/docs practices/naming.md); counters end in _total. Every sync and kernel counter
// not given a name of its own here is still exported, as half_sync_<name>_total /
// half_kernel_<name>_total. Pure.
import type { DaemonStatus } from '../control/status-model.js';
import { histogramFamily, simpleFamily, type Labels, type MetricFamily } from './exposition.js';
import type { HistogramSnapshot } from './latency-histogram.js';

/** Sync counters exported under names of their own below. */
const NAMED_SYNC = new Set(['recordsSent', 'recordsApplied', 'resentFrames', 'nacksSent', 'nacksReceived', 'resyncsStarted', 'resendQueueOverflows']);
/** Kernel stats that are gauges, or named below. */
const NAMED_KERNEL = new Set(['events', 'overruns', 'recvBufferSize', 'droppedByKernel']);

export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toLowerCase();
}

const seconds = (snapshot: HistogramSnapshot) => ({ bounds: snapshot.bounds.map((b) => b / 1000), counts: snapshot.counts, sum: snapshot.sum / 1000 });
const orNaN = (value: number | null): number => (value === null ? NaN : value / 1000);

function generic(prefix: string, counters: Readonly<Record<string, number>>, skip: ReadonlySet<string>, what: string): MetricFamily[] {
  return Object.entries(counters)
    .filter(([key]) => !skip.has(key) && key !== 'drops')
    .map(([key, value]) => simpleFamily('counter', `${prefix}_${snakeCase(key)}_total`, `${what} counter ${key}.`, [[{}, value]]));
}

export function daemonMetrics(status: DaemonStatus): MetricFamily[] {
  const { summary, node } = status;
  const peerLabels = (p: DaemonStatus['peers'][number]): Labels => ({ peer: String(p.nodeId), address: p.address });
  const commitLast = status.commits.last;
  const lag = status.latency.replicationLagMs;
  const families: MetricFamily[] = [
    simpleFamily('gauge', 'half_info', 'This node: version, node id, sync role, keepalived state and mode (value 1).', [
      [{ version: status.daemon.version, node_id: String(node.id), role: node.role, ha: node.ha, mode: node.mode }, 1],
    ]),
    simpleFamily('gauge', 'half_uptime_seconds', 'Seconds since half-syncd started.', [[{}, status.daemon.uptimeSeconds]]),
    simpleFamily('counter', 'half_events_in_total', 'Conntrack events received from the kernel.', [[{}, summary.eventsIn]]),
    simpleFamily('counter', 'half_events_out_total', 'Records sent to the peers (live changes and resyncs).', [[{}, summary.eventsOut]]),
    simpleFamily('counter', 'half_records_applied_total', 'Records received from peers and applied to the external cache.', [[{}, summary.recordsApplied]]),
    simpleFamily('counter', 'half_resent_frames_total', 'Data frames sent again after a NACK.', [[{}, summary.resends]]),
    simpleFamily('counter', 'half_nacks_total', 'Negative acknowledgements, by direction.', [
      [{ direction: 'sent' }, summary.nacksSent],
      [{ direction: 'received' }, summary.nacksReceived],
    ]),
    simpleFamily('counter', 'half_resyncs_total', 'Bulk resyncs started.', [[{}, summary.resyncs]]),
    simpleFamily('counter', 'half_overruns_total', 'Kernel event overruns (events lost; each healed by a resync).', [[{}, summary.overruns]]),
    simpleFamily('counter', 'half_resend_queue_overflows_total', 'Unacknowledged frames pushed out of a full resend queue.', [[{}, summary.resendQueueOverflows]]),
    simpleFamily('counter', 'half_dropped_frames_total', 'Received sync frames dropped, by reason.', Object.entries(status.counters.drops).map(([reason, n]) => [{ reason }, n] as const)),
    simpleFamily('gauge', 'half_table_entries', 'Entries per table: internal (ours), external (peers\'), kernel (nf_conntrack_count).', [
      [{ table: 'internal' }, status.tables.internal],
      [{ table: 'external' }, status.tables.external],
      [{ table: 'kernel' }, status.tables.kernel ?? NaN],
    ]),
    simpleFamily('gauge', 'half_resend_queue_frames', 'Data frames waiting for acknowledgement.', [[{}, status.stream.resendQueue]]),
    simpleFamily('gauge', 'half_peer_up', 'Whether a peer was heard within the peer timeout (1) or not (0).', status.peers.map((p) => [peerLabels(p), p.state === 'up' ? 1 : 0] as const)),
    simpleFamily('gauge', 'half_peer_last_seen_seconds', 'Seconds since the peer\'s last authentic frame.', status.peers.map((p) => [peerLabels(p), p.lastSeenMs / 1000] as const)),
    simpleFamily('gauge', 'half_peer_lag_frames', 'Our data frames the peer has not acknowledged yet.', status.peers.filter((p) => p.lagFrames !== null).map((p) => [peerLabels(p), p.lagFrames ?? 0] as const)),
    simpleFamily('gauge', 'half_peer_external_entries', 'The peer\'s entries held in our external cache.', status.peers.map((p) => [peerLabels(p), p.externalEntries] as const)),
    histogramFamily('half_replication_lag_seconds', 'Time from sending a change to its acknowledgement by a peer.', seconds(lag)),
    // not a summary (no _sum or _count of the window), so its label is not `quantile`, which
    // Prometheus reserves for summaries (promtool check metrics)
    simpleFamily('gauge', 'half_replication_lag_quantile_seconds', `Replication lag percentiles over the last ${lag.windowMs / 1000}-${(2 * lag.windowMs) / 1000} s, by nearest rank (with fewer than 100 samples the 99th is the worst; NaN when idle).`, [
      [{ percentile: '50' }, orNaN(lag.p50)],
      [{ percentile: '99' }, orNaN(lag.p99)],
    ]),
    simpleFamily('counter', 'half_commits_total', 'Commits of the external cache to the kernel.', [[{}, status.commits.count]]),
    histogramFamily('half_commit_duration_seconds', 'Duration of commits of the external cache to the kernel.', seconds(status.commits.durationMs)),
    simpleFamily('gauge', 'half_commit_last_duration_seconds', 'Duration of the latest commit (NaN before the first).', [[{}, commitLast === null ? NaN : commitLast.durationMs / 1000]]),
    simpleFamily('gauge', 'half_commit_last_entries', 'Entries of the latest commit, by outcome.', commitLast === null ? [] : [
      [{ outcome: 'created' }, commitLast.created],
      [{ outcome: 'replaced' }, commitLast.replaced ?? 0],
      [{ outcome: 'updated' }, commitLast.updated],
      [{ outcome: 'failed' }, commitLast.failed],
    ]),
    simpleFamily('gauge', 'half_kernel_recv_buffer_bytes', 'Receive buffer the kernel granted the event socket.', [[{}, status.counters.kernel['recvBufferSize'] ?? NaN]]),
    simpleFamily('counter', 'half_kernel_events_dropped_total', 'Conntrack events the kernel dropped for the event socket (its sk_drops: each overrun stands for one or many); absent where the reader cannot tell.', status.counters.kernel['droppedByKernel'] === undefined ? [] : [[{}, status.counters.kernel['droppedByKernel']]]),
    simpleFamily('gauge', 'half_kernel_events_subscribed', 'Whether the daemon follows its kernel\'s conntrack events now (a standby does not).', [[{}, status.kernelEvents?.subscribed === true ? 1 : 0]]),
    simpleFamily('gauge', 'half_kernel_event_reader_info', 'Who reads the conntrack event socket (daemon, pump, in-process); fallback="1" when not the reader half.conf asked for.', readerInfo(status)),
    simpleFamily('counter', 'half_control_requests_total', 'Requests on the control socket.', [[{}, status.counters.control['requests'] ?? 0]]),
    simpleFamily('counter', 'half_control_errors_total', 'Control socket requests answered with an error, by code.', Object.entries(status.counters.control)
      .filter(([key]) => key.startsWith('error.'))
      .map(([key, n]) => [{ code: key.slice('error.'.length) }, n] as const)),
    ...syncLinkFamilies(status),
    simpleFamily('counter', 'half_sync_multicast_rejoins_total', 'Times a multicast sync link joined its group anew on a sync interface deleted and made again.', status.counters.channel === undefined ? [] : [[{}, status.counters.channel['multicastRejoins'] ?? 0]]),
    ...generic('half_sync', status.counters.sync, NAMED_SYNC, 'Sync protocol'),
    ...generic('half_kernel', status.counters.kernel, NAMED_KERNEL, 'Kernel event subscription'),
  ];
  return families;
}

/** With two sync links ([sync2]) only: which one is active, when each was last heard, its send errors, and the switches. */
function syncLinkFamilies(status: DaemonStatus): MetricFamily[] {
  if (status.syncLinks === undefined) return [];
  const { links, switches } = status.syncLinks;
  const per = (pick: (link: (typeof links)[number]) => number) => links.map((link) => [{ interface: link.interface }, pick(link)] as const);
  return [
    simpleFamily('gauge', 'half_sync_link_active', 'Whether frames go out on this sync link now (1) or on the other (0).', per((link) => (link.active ? 1 : 0))),
    simpleFamily('gauge', 'half_sync_link_last_heard_seconds', 'Seconds since an authentic frame arrived on this sync link.', per((link) => link.silentForMs / 1000)),
    simpleFamily('counter', 'half_sync_link_send_errors_total', 'Sends that failed on this sync link.', per((link) => link.sendErrors)),
    simpleFamily('counter', 'half_sync_link_switches_total', 'Times the frames moved from one sync link to the other.', [[{}, switches]]),
  ];
}

/** One sample naming who reads the event socket; none before the first subscription. */
function readerInfo(status: DaemonStatus): (readonly [Labels, number])[] {
  const events = status.kernelEvents;
  if (events === undefined || events.reader === null) return [];
  return [[{ reader: events.reader, fallback: events.fallback === null ? '0' : '1' }, 1]];
}
