// Builds the `status` answer (status-model.ts) from what the daemon's layers report: the sync
// node's snapshot (sync/status.ts), the kernel event subscription's stats (kernel/), commit and
// latency histograms (metrics/), keepalived's latest state and the control server's counters.
// Pure: main.ts gathers the parts and passes them in, with the uptime already computed.
import type { KernelEventStats } from '../kernel/kernel-roles.js';
import type { HistogramSnapshot } from '../metrics/latency-histogram.js';
import type { SyncStatus } from '../sync/status.js';
import { seqDiff } from '../sync/serial.js';
import type { CommitStats, CounterSummary, DaemonStatus, HaState, PeerView, SyncLinksView } from './status-model.js';
import { STATUS_SCHEMA } from './status-model.js';

export interface StatusParts {
  readonly version: string;
  readonly pid: number;
  readonly uptimeSeconds: number;
  readonly configFile: string;
  readonly configDigest?: string;
  readonly mode: 'external-cache' | 'direct';
  readonly ha: HaState;
  readonly sync: SyncStatus;
  /** With two sync links only. */
  readonly syncLinks?: SyncLinksView | undefined;
  readonly channel: Readonly<Record<string, number>>;
  /** Undefined while the kernel subscription is not running. */
  readonly kernelEvents: KernelEventStats | undefined;
  /** nf_conntrack_count of the daemon's namespace, null when it could not be read. */
  readonly kernelEntries: number | null;
  readonly commits: CommitStats;
  readonly replicationLag: HistogramSnapshot;
  readonly control: Readonly<Record<string, number>>;
}

/** Every finite number of a flat object (nested objects and strings left out). */
export function numericFields(value: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, field] of Object.entries(value)) if (typeof field === 'number' && Number.isFinite(field)) out[key] = field;
  return out;
}

function peerView(peer: SyncStatus['peers'][number], lastSeq: number): PeerView {
  const acked = peer.followsUs && peer.ackedUpTo !== undefined ? peer.ackedUpTo : null;
  return {
    nodeId: peer.nodeId,
    address: peer.address,
    epoch: peer.epoch,
    role: peer.role ?? null,
    state: peer.alive ? 'up' : 'down',
    lastSeenMs: Math.max(0, Math.round(peer.silentForMs)),
    joined: peer.joined,
    expectedSeq: peer.expectedSeq,
    followsUs: peer.followsUs,
    ackedUpTo: acked,
    lagFrames: acked === null ? null : Math.max(0, seqDiff(lastSeq, acked)),
    externalEntries: peer.externalEntries,
  };
}

export function composeStatus(parts: StatusParts): DaemonStatus {
  const { sync } = parts;
  const counters = sync.counters;
  const kernel = parts.kernelEvents === undefined ? {} : numericFields(parts.kernelEvents);
  const summary: CounterSummary = {
    eventsIn: kernel['events'] ?? 0,
    eventsOut: counters.recordsSent,
    recordsApplied: counters.recordsApplied,
    resends: counters.resentFrames,
    nacksSent: counters.nacksSent,
    nacksReceived: counters.nacksReceived,
    resyncs: counters.resyncsStarted,
    overruns: kernel['overruns'] ?? 0,
    resendQueueOverflows: counters.resendQueueOverflows,
  };
  const peers = sync.peers.map((peer) => peerView(peer, sync.lastSeq));
  return {
    schema: STATUS_SCHEMA,
    daemon: { version: parts.version, pid: parts.pid, uptimeSeconds: Math.max(0, Math.floor(parts.uptimeSeconds)), configFile: parts.configFile, ...(parts.configDigest === undefined ? {} : { configDigest: parts.configDigest }) },
    node: { id: sync.nodeId, bootEpoch: sync.bootEpoch, role: sync.role, ha: parts.ha, mode: parts.mode },
    stream: { lastSeq: sync.lastSeq, resendQueue: sync.resendQueue, resyncInProgress: sync.resyncInProgress },
    tables: {
      internal: sync.internalEntries,
      external: peers.reduce((sum, peer) => sum + peer.externalEntries, 0),
      kernel: parts.kernelEntries,
    },
    peers,
    ...(parts.syncLinks === undefined ? {} : { syncLinks: parts.syncLinks }),
    kernelEvents: {
      subscribed: parts.kernelEvents?.subscribed ?? false,
      reader: parts.kernelEvents?.reader ?? null,
      fallback: parts.kernelEvents?.fallback ?? null,
      lastError: parts.kernelEvents?.lastError ?? null,
    },
    summary,
    counters: {
      drops: { ...counters.drops },
      sync: numericFields(counters),
      kernel,
      control: { ...parts.control },
      channel: { ...parts.channel },
    },
    commits: parts.commits,
    latency: { replicationLagMs: parts.replicationLag },
  };
}
