// The numbers of a scenario run (issue 5 §2): per switch, flows kept per kind (and of them the
// NAT-remapped ones), takeover time from the switch to the VIPs moving, to the first forwarded
// echo and to the last flow back, the longest gap per flow (p50/p99/max), the commit's duration,
// INVALID drops; for the run, RSTs seen by the gateway and the LAN hosts, refused probes, the
// FTP helper's work, and VRRP acquisitions (to spot spurious transitions). Pure: ScenarioResult in.
import { WAN_VIP, type FirewallName } from './addresses.js';
import { flowOutcome, type FlowOutcome } from './flow-outcome.js';
import type { PhaseName, PhaseRecord, ScenarioResult } from './scenario-result.js';
import { spread, type Spread } from './stats.js';
import { FLOW_KINDS, type FlowKind } from './traffic/frame.js';
import type { ServerFlowView } from './traffic/results.js';

export interface KindCount {
  readonly kind: FlowKind;
  readonly flows: number;
  readonly kept: number;
  /** Kept, with every echo intact. */
  readonly intact: number;
  readonly remapped: number;
  readonly remappedKept: number;
}

export interface PhaseAnalysis {
  readonly name: PhaseName;
  readonly newMaster: FirewallName;
  readonly flows: number;
  readonly kept: number;
  readonly intact: number;
  readonly kinds: readonly KindCount[];
  /** From the switch, ms (undefined: it did not happen). */
  readonly vipMovedMs: number | undefined;
  readonly firstForwardMs: number | undefined;
  readonly allBackMs: number | undefined;
  readonly resyncedMs: number | undefined;
  /** How the resync is known (PhaseRecord.resyncedBy). */
  readonly resyncedBy: 'check' | 'node' | undefined;
  readonly commitMs: number | undefined;
  /** From the VIPs moving to the notify hook running on the new master. */
  readonly notifyAfterVipMs: number | undefined;
  readonly longestGap: Spread;
  readonly longestGapByKind: Readonly<Partial<Record<FlowKind, Spread>>>;
  readonly invalidDrops: number;
  readonly outsideRefused: boolean;
  /** Flows not kept, or kept with wrong echoes. */
  readonly lost: readonly FlowOutcome[];
}

export interface Analysis {
  readonly phases: readonly PhaseAnalysis[];
  readonly rst: { readonly gatewayReceived: number; readonly gatewaySent: number; readonly lanReceived: number; readonly lanSent: number };
  readonly refusedBefore: boolean;
  readonly lanServiceReachable: boolean;
  /** Wrong echoes over the whole run. */
  readonly badEchoes: number;
  /** Every FTP PORT command reached the server rewritten to the WAN VIP. */
  readonly helperRewrotePort: boolean | undefined;
  readonly ftpLateTransfers: readonly { readonly phase: PhaseName | undefined; readonly ok: boolean; readonly detail: string }[];
  /** Transfers whose PORT was answered before a switch and whose RETR went out after the VIPs
   *  moved (`crossed`: both held), so that only an expectation the new master got from the old
   *  one let the data connection in. */
  readonly ftpPendingTransfers: readonly { readonly phase: PhaseName | undefined; readonly crossed: boolean; readonly ok: boolean; readonly detail: string }[];
  /** Each time a node took both VIPs, in order. */
  readonly acquisitions: readonly { readonly node: FirewallName; readonly at: number }[];
  readonly syncMs: number | undefined;
}

const minOf = (xs: readonly number[]): number | undefined => (xs.length === 0 ? undefined : Math.min(...xs));
const maxOf = (xs: readonly number[]): number | undefined => (xs.length === 0 ? undefined : Math.max(...xs));
const since = (t: number | undefined, origin: number): number | undefined => (t === undefined ? undefined : t - origin);

export function analysePhase(result: ScenarioResult, phase: PhaseRecord, views: ReadonlyMap<number, ServerFlowView>): PhaseAnalysis {
  const window = { startedAt: phase.startedAt, endedAt: phase.endedAt, recoveryWindowMs: result.recoveryWindowMs, liveWindowMs: Math.max(1000, result.size.intervalMs * 5) };
  const flows = result.clients.flatMap((c) => c.flows);
  const outcomes = flows.map((f) => flowOutcome(f, views.get(f.flowId), window));
  const kinds = FLOW_KINDS.map((kind) => {
    const of = outcomes.filter((o) => o.kind === kind);
    return { kind, flows: of.length, kept: of.filter((o) => o.kept).length, intact: of.filter((o) => o.kept && o.corrupted.length === 0).length, remapped: of.filter((o) => o.remapped).length, remappedKept: of.filter((o) => o.remapped && o.kept).length };
  }).filter((k) => k.flows > 0);
  const alive = outcomes.filter((o) => o.aliveBefore);
  const switchAt = phase.vipMovedAt ?? phase.startedAt;
  const firstForward = minOf(flows.flatMap((f) => f.echoes.filter((t) => t > switchAt && t <= phase.endedAt).slice(0, 1)));
  const resumed = outcomes.filter((o) => o.kept).map((o) => o.resumedAt).filter((t): t is number => t !== undefined && t > phase.startedAt);
  const takeover = result.takeovers.find((t) => t.node === phase.newMaster && t.notifiedAt >= phase.startedAt && t.notifiedAt <= phase.endedAt);
  const byKind: Partial<Record<FlowKind, Spread>> = {};
  for (const k of kinds) byKind[k.kind] = spread(alive.filter((o) => o.kind === k.kind).map((o) => o.longestGapMs));
  return {
    name: phase.name,
    newMaster: phase.newMaster,
    flows: outcomes.length,
    kept: outcomes.filter((o) => o.kept).length,
    intact: outcomes.filter((o) => o.kept && o.corrupted.length === 0).length,
    kinds,
    vipMovedMs: since(phase.vipMovedAt, phase.startedAt),
    firstForwardMs: since(firstForward, phase.startedAt),
    allBackMs: since(maxOf(resumed), phase.startedAt),
    resyncedMs: since(phase.resyncedAt, phase.startedAt),
    resyncedBy: phase.resyncedBy,
    commitMs: takeover?.commitStartedAt !== undefined && takeover.commitEndedAt !== undefined ? takeover.commitEndedAt - takeover.commitStartedAt : undefined,
    notifyAfterVipMs: takeover !== undefined && phase.vipMovedAt !== undefined ? takeover.notifiedAt - phase.vipMovedAt : undefined,
    longestGap: spread(alive.map((o) => o.longestGapMs)),
    longestGapByKind: byKind,
    invalidDrops: phase.drops.fwd_invalid + phase.drops.in_invalid,
    outsideRefused: phase.probes.every((p) => !p.connected),
    lost: outcomes.filter((o) => o.why !== ''),
  };
}

export function analyse(result: ScenarioResult): Analysis {
  const views = new Map(result.server.flows.map((v) => [v.flowId, v]));
  const lan = Object.entries(result.rst).filter(([host]) => host !== 'gateway').map(([, c]) => c);
  const acquisitions: { node: FirewallName; at: number }[] = [];
  for (const e of [...result.vipEvents].sort((x, y) => x.at - y.at).filter((v) => v.change === 'added')) {
    const last = acquisitions.at(-1);
    if (last === undefined || last.node !== e.node || e.at - last.at > 2000) acquisitions.push({ node: e.node, at: e.at });
  }
  const phaseOf = (at: number): PhaseName | undefined => result.phases.find((p) => at >= p.startedAt && at <= p.endedAt)?.name;
  const ftp = result.size.ftp;
  return {
    phases: result.phases.map((p) => analysePhase(result, p, views)),
    rst: {
      gatewayReceived: result.rst['gateway']?.received ?? 0,
      gatewaySent: result.rst['gateway']?.sent ?? 0,
      lanReceived: lan.reduce((n, c) => n + c.received, 0),
      lanSent: lan.reduce((n, c) => n + c.sent, 0),
    },
    refusedBefore: result.probesBefore.filter((p) => p.from === 'gateway').every((p) => !p.connected),
    lanServiceReachable: result.probesBefore.filter((p) => p.from !== 'gateway').every((p) => p.connected),
    badEchoes: result.clients.flatMap((c) => c.flows).reduce((n, f) => n + f.badEchoes.length, 0),
    helperRewrotePort: ftp ? result.server.ftpPortCommands.length > 0 && result.server.ftpPortCommands.every((c) => c.address === WAN_VIP) : undefined,
    ftpLateTransfers: result.clients.flatMap((c) => c.ftpLateTransfers).map((t) => ({ phase: phaseOf(t.at), ok: t.ok, detail: t.detail })),
    ftpPendingTransfers: result.clients.flatMap((c) => c.ftpPendingTransfers).map((t) => {
      const p = result.phases.find((x) => x.name === phaseOf(t.at));
      const crossed = p !== undefined && t.armedAt < p.startedAt && p.vipMovedAt !== undefined && t.at > p.vipMovedAt;
      return { phase: p?.name, crossed, ok: t.ok, detail: t.detail };
    }),
    acquisitions,
    syncMs: since(result.syncedAt, result.injected?.at ?? result.trafficReadyAt),
  };
}
