// What an admin reading the journal should learn without asking `half status`: peers that come
// and go, and frames dropped since the last look, by reason (forged, replayed, foreign…). Drops
// are summed per interval rather than logged one by one, so a flood of bad frames cannot flood
// the journal. Pure comparison (nextHealthReport) plus a timer in the daemon.
import type { DropCounters } from '../wire/drop-reason.js';
import type { SyncStatus } from '../sync/status.js';

export interface HealthState {
  readonly drops: Readonly<DropCounters>;
  readonly peersUp: ReadonlySet<number>;
}

export interface HealthReport {
  /** Reason → frames dropped since the previous state (only reasons with some). */
  readonly drops: Readonly<Record<string, number>>;
  readonly peersUp: readonly number[];
  readonly peersDown: readonly number[];
  readonly state: HealthState;
}

export function healthState(status: SyncStatus): HealthState {
  return { drops: { ...status.counters.drops }, peersUp: new Set(status.peers.filter((p) => p.alive).map((p) => p.nodeId)) };
}

export function nextHealthReport(previous: HealthState | undefined, status: SyncStatus): HealthReport {
  const state = healthState(status);
  const drops: Record<string, number> = {};
  for (const [reason, n] of Object.entries(state.drops)) {
    const delta = n - (previous?.drops[reason as keyof DropCounters] ?? 0);
    if (delta > 0) drops[reason] = delta;
  }
  const before = previous?.peersUp ?? new Set<number>();
  return {
    drops,
    peersUp: [...state.peersUp].filter((id) => !before.has(id)),
    peersDown: [...before].filter((id) => !state.peersUp.has(id)),
    state,
  };
}
