// Watches one switch of masters (a failover or a failback) until it is over: the VIPs reach the
// new master, every flow is live again (or the recovery window ran out), a late FTP transfer is
// asked for, and the traffic is observed a little longer. Then the outside is probed again.
import type { NamespaceSet } from '../../../helpers/netns.js';
import { FIREWALLS, HOSTS, LAN_VIP, PORTS, WAN_VIP, type FirewallName } from './addresses.js';
import { readDropCounters, type DropCounts } from './firewall-setup.js';
import { probeTcp } from './probe.js';
import { sleep, waitUntil } from './processes.js';
import type { PhaseName, PhaseRecord } from './scenario-result.js';
import type { TrafficProcess } from './traffic/traffic-process.js';
import type { ClientResult } from './traffic/results.js';
import { now } from './traffic/flow-recorder.js';
import type { VipWatcher } from './vip.js';

export interface PhaseContext {
  readonly net: NamespaceSet;
  readonly vips: VipWatcher;
  readonly clients: readonly TrafficProcess<ClientResult>[];
  /** The client that runs the FTP session, if any. */
  readonly ftpClient: TrafficProcess<ClientResult> | undefined;
  readonly recoveryWindowMs: number;
  readonly settleMs: number;
  /** How old an echo may be for its flow to count as live (the clients' window). */
  readonly liveWindowMs: number;
  /** Longest wait for the VIPs to reach the new master. */
  readonly vipTimeoutMs: number;
}

/** The first time after `since` that `node` held both VIPs (undefined: not yet). */
export function vipArrival(vips: VipWatcher, node: FirewallName, since: number): number | undefined {
  const held = new Set<string>();
  for (const e of vips.events) {
    if (e.node !== node || e.at < since) continue;
    if (e.change === 'added') held.add(e.vip);
    else held.delete(e.vip);
    if (held.has(LAN_VIP) && held.has(WAN_VIP)) return e.at;
  }
  return undefined;
}

export async function observePhase(ctx: PhaseContext, name: PhaseName, startedAt: number, newMaster: FirewallName): Promise<PhaseRecord> {
  const fw = FIREWALLS[newMaster];
  const dropsBefore = await readDropCounters(ctx.net, fw);
  let vipMovedAt: number | undefined;
  await waitUntil(() => (vipMovedAt = vipArrival(ctx.vips, newMaster, startedAt)) !== undefined, ctx.vipTimeoutMs, `the VIPs to reach ${newMaster}`).catch(() => undefined);
  const switchAt = vipMovedAt ?? startedAt;
  // flows still count as live for one window after they stopped: look only after it
  await sleep(Math.max(0, switchAt + ctx.liveWindowMs - now()));
  const deadline = (name === 'failover' ? startedAt : switchAt) + ctx.recoveryWindowMs;
  const allLive = (): boolean => ctx.clients.every((c) => c.live !== undefined && c.live.at > switchAt + ctx.liveWindowMs && c.live.live === c.live.total);
  await waitUntil(allLive, Math.max(0, deadline - now()), 'every flow to be live again', () => false, 50).catch(() => undefined);
  ctx.ftpClient?.signal('SIGUSR2');
  await sleep(ctx.settleMs);
  const endedAt = now();
  const dropsAfter = await readDropCounters(ctx.net, fw);
  const drops = Object.fromEntries(Object.entries(dropsAfter).map(([k, v]) => [k, v - (dropsBefore[k as keyof DropCounts] ?? 0)])) as unknown as DropCounts;
  const probes = [await probeTcp(ctx.net, 'gateway', HOSTS.tom.address, PORTS.lanService)];
  return { name, startedAt, newMaster, vipMovedAt, endedAt, drops, probes };
}
