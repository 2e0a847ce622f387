// The `status` snapshot (control/status-model.ts): gathers what each layer of the running daemon
// reports and hands it to composeStatus. The kernel counters shown are the event
// subscription's, plus the feed's (echoes skipped, updates without a previous entry), the own
// table resyncs, the purges and the direct-mode writes, so every drop and repair has a number.
import { readFile } from 'node:fs/promises';
import { composeStatus } from '../control/compose-status.js';
import type { DaemonStatus, HaState } from '../control/status-model.js';
import type { NodeRole } from '../ha/failover-plan.js';
import type { KernelEventStats } from '../kernel/kernel-roles.js';
import type { HistogramSnapshot } from '../metrics/latency-histogram.js';
import type { CommitStats, SyncLinksView } from '../control/status-model.js';
import type { SyncStatus } from '../sync/status.js';
import type { HalfMode } from '../config/half-conf.js';

export interface StatusSources {
  readonly version: string;
  readonly configFile: string;
  readonly configDigest: string;
  readonly mode: HalfMode;
  /** Monotonic ms at start, and now. */
  readonly startedAt: number;
  readonly now: () => number;
  readonly role: () => NodeRole;
  readonly sync: () => SyncStatus;
  /** With two sync links only. */
  readonly syncLinks: () => SyncLinksView | undefined;
  /** The sync channel's own counters (counters.channel). */
  readonly channel: () => Readonly<Record<string, number>>;
  readonly kernelEvents: () => KernelEventStats | undefined;
  /** Further kernel-side counters, flat (merged into counters.kernel). */
  readonly kernelExtra: () => Readonly<Record<string, number>>;
  readonly commits: () => CommitStats;
  readonly replicationLag: () => HistogramSnapshot;
  readonly control: () => Readonly<Record<string, number>>;
}

const HA_STATE: Record<NodeRole, HaState> = { starting: 'unknown', master: 'MASTER', backup: 'BACKUP', fault: 'FAULT', stopped: 'STOP' };

/** nf_conntrack_count of this network namespace; null when it cannot be read. */
export async function kernelEntryCount(): Promise<number | null> {
  try {
    const n = Number((await readFile('/proc/sys/net/netfilter/nf_conntrack_count', 'utf8')).trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export async function statusSnapshot(sources: StatusSources): Promise<DaemonStatus> {
  const events = sources.kernelEvents();
  const kernelEvents = events === undefined ? undefined : ({ ...events, ...sources.kernelExtra() } as KernelEventStats);
  return composeStatus({
    version: sources.version,
    pid: process.pid,
    uptimeSeconds: (sources.now() - sources.startedAt) / 1000,
    configFile: sources.configFile,
    configDigest: sources.configDigest,
    mode: sources.mode,
    ha: HA_STATE[sources.role()],
    sync: sources.sync(),
    syncLinks: sources.syncLinks(),
    channel: sources.channel(),
    kernelEvents,
    kernelEntries: await kernelEntryCount(),
    commits: sources.commits(),
    replicationLag: sources.replicationLag(),
    control: sources.control(),
  });
}
