// Everything a scenario run observed, as data (written to report/<label>/result.json): the
// analysis (measure.ts) and the report are pure functions of it.
import type { FirewallName } from './addresses.js';
import type { DropCounts } from './firewall-setup.js';
import type { ProbeResult } from './probe.js';
import type { RstCounts } from './rst-counter.js';
import type { TakeoverRecord } from './stack.js';
import type { ClientResult, ServerResult } from './traffic/results.js';
import type { VipEvent } from './vip.js';

export type PhaseName = 'failover' | 'failback';

export interface PhaseRecord {
  readonly name: PhaseName;
  /** failover: halfone's links went down (it stopped forwarding); failback: halfone powered on. */
  readonly startedAt: number;
  /** The node expected to hold the VIPs after this phase. */
  readonly newMaster: FirewallName;
  /** The LAN and WAN VIPs were both up on the new master, epoch ms (undefined: never). */
  readonly vipMovedAt: number | undefined;
  /** failback only: the returning node first held every flow. */
  readonly resyncedAt?: number;
  /** How resyncedAt is known: an isSynced() check, or the node's own report (resyncReportedAt). */
  readonly resyncedBy?: 'check' | 'node';
  /** End of the observation window. */
  readonly endedAt: number;
  /** Drops by the new master's ruleset during the phase (INVALID: packets without state). */
  readonly drops: DropCounts;
  readonly probes: readonly ProbeResult[];
}

export interface ScenarioResult {
  readonly label: string;
  readonly stack: string;
  readonly replicates: boolean;
  /** Software versions and the settings that shape the numbers (from the stack). */
  readonly details: Readonly<Record<string, string>>;
  readonly size: {
    readonly tcpFlows: number;
    readonly udpFlows: number;
    readonly collidingTcp: number;
    readonly collidingUdp: number;
    readonly intervalMs: number;
    readonly ftp: boolean;
    readonly extraEntries: number;
  };
  readonly recoveryWindowMs: number;
  readonly startedAt: number;
  /** Traffic ran on every flow. */
  readonly trafficReadyAt: number;
  /** Extra entries the active node's table gained, and how long until the standby held them. */
  readonly injected: { readonly entries: number; readonly at: number } | undefined;
  readonly syncedAt: number | undefined;
  readonly phases: readonly PhaseRecord[];
  readonly probesBefore: readonly ProbeResult[];
  readonly clients: readonly ClientResult[];
  readonly server: ServerResult;
  readonly rst: Readonly<Record<string, RstCounts>>;
  readonly takeovers: readonly TakeoverRecord[];
  readonly vipEvents: readonly VipEvent[];
  readonly endedAt: number;
}
