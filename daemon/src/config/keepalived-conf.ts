// keepalived.conf(5) for one HALF node (keepalived 2.2.7: doc/man/man5/keepalived.conf.5,
// keepalived/vrrp/vrrp_notify.c for the FIFO lines). Pure: HalfConfig in, text out.
//
// What moves LAN and WAN addresses together:
// - adverts = vip-interfaces (default): one VRRP instance per VIP interface, adverts multicast on
//   that interface itself (so the segment that carries the VIPs also elects their owner, and a
//   cut sync link cannot make two masters); the instances form one vrrp_sync_group, so when one
//   instance fails (link down: FAULT) or loses the election, all of them follow.
// - adverts = sync-link: one instance on the sync interface (unicast_src_ip/unicast_peer, or
//   multicast when the link uses a group) holding every VIP with its `dev`, and track_interface on
//   the VIP interfaces; one instance moves everything at once, so no group is needed. A cut sync
//   link makes both nodes MASTER: use it only where adverts cannot cross the VIP segments.
// All instances start as BACKUP (nopreempt requires it; the election decides), run VRRPv3
// (centisecond advert_int, IPv4 and IPv6), and report to the daemon through vrrp_notify_fifo
// (ordered delivery) and/or a notify script (script_user root + enable_script_security).
//
// Failback gate: the sync group (or the only instance) tracks [vrrp] resync-file, which
// half-syncd keeps at 1 while this node still has to resync the active node's connections and
// at 0 once it holds them (runtime/resync-tracker.ts). keepalived adds value x weight to the
// priority and clamps the result to 1..254 (keepalived.conf(5) "Track files"; 2.2.7 and 2.3.3
// trackers/track_file.c), so with weight -253 a pending node advertises priority 1 and no
// synced peer loses an election to it, whatever the configured priorities; -254 would mean
// FAULT. A weighted track_file must sit on the sync group, not on its members (vrrp.c drops
// the weights of members without sync_group_tracking_weight). `init_file 1 overwrite` makes every
// keepalived start read 1, whatever a crashed daemon or an earlier boot left there: a missing
// file reads as 0 (deleted too), so keepalived must never depend on half-syncd having written it.
// Why not preempt_delay: a fixed delay is too short for a large table and needlessly long for
// a small one, and it also delays the first election of a fresh cluster; the gate opens exactly
// when the resync has ended.
import type { HalfConfig, VipInterface } from './half-conf.js';
import type { IpFamily, IpPrefix } from './ip-address.js';
import { renderedFromLine } from './render-header.js';

export const SYNC_GROUP_NAME = 'HALF';
/** keepalived's name of the failback gate's track file. */
export const RESYNC_TRACK_NAME = 'half_resync';
/** value x weight is added to the priority: 1 x -253 takes any priority 1-254 down to 1 (not FAULT). */
export const RESYNC_WEIGHT = -253;

/** The notify lines that drive failover: the sync group's, or the only instance's. */
export interface NotifySource {
  readonly type: 'GROUP' | 'INSTANCE';
  readonly name: string;
}

interface Instance {
  readonly name: string;
  readonly interface: string;
  readonly routerId: number;
  readonly vips: readonly IpPrefix[];
  readonly vipDevs: ReadonlyMap<IpPrefix, string>;
  readonly family: IpFamily;
  readonly unicast?: { readonly source: string; readonly peers: readonly string[] };
  readonly mcastSource?: string;
  readonly track: readonly string[];
}

export function instanceName(vipInterface: string): string {
  return `half_${vipInterface}`;
}

/** The family an interface's own instance advertises (adverts = vip-interfaces): IPv4 if it has any. */
export function advertFamily(vipIf: VipInterface): IpFamily {
  return vipIf.vips.some((v) => v.address.family === 4) ? 4 : 6;
}

function instances(config: HalfConfig): Instance[] {
  if (config.vrrp.adverts === 'sync-link') {
    const link = config.sync.links[0];
    const vipDevs = new Map<IpPrefix, string>();
    for (const vipIf of config.vips) for (const vip of vipIf.vips) vipDevs.set(vip, vipIf.interface);
    const unicast = link.peers.length > 0 ? { source: link.address.text, peers: link.peers.map((p) => p.text) } : undefined;
    return [{
      name: 'half',
      interface: link.interface,
      routerId: config.vrrp.routerId,
      vips: [...vipDevs.keys()],
      vipDevs,
      family: link.address.family,
      ...(unicast === undefined ? { mcastSource: link.address.text } : { unicast }),
      track: config.vips.map((v) => v.interface).filter((name) => name !== link.interface),
    }];
  }
  return config.vips.map((vipIf: VipInterface, i) => ({
    name: instanceName(vipIf.interface),
    interface: vipIf.interface,
    routerId: config.vrrp.routerId + i,
    vips: vipIf.vips,
    vipDevs: new Map(vipIf.vips.map((v) => [v, vipIf.interface] as const)),
    family: advertFamily(vipIf),
    track: [],
  }));
}

/**
 * Whether half-syncd acts on notify-script calls (control socket). Only with `notify = script`:
 * with `both`, the FIFO (ordered) drives failover and script calls are only recorded, since a
 * forked script can deliver a transition after the FIFO has delivered the next one.
 */
export function actsOnNotifyScript(config: HalfConfig): boolean {
  return config.vrrp.notify === 'script';
}

export function notifySource(config: HalfConfig): NotifySource {
  const all = instances(config);
  const only = all[0];
  return all.length === 1 && only !== undefined ? { type: 'INSTANCE', name: only.name } : { type: 'GROUP', name: SYNC_GROUP_NAME };
}

function block(indent: string, head: string, lines: readonly string[]): string[] {
  return [`${indent}${head} {`, ...lines.map((l) => `${indent}    ${l}`), `${indent}}`];
}

function renderTrackFile(config: HalfConfig): string[] {
  return block('', `track_file ${RESYNC_TRACK_NAME}`, [`file ${config.vrrp.resyncFile}`, `weight ${RESYNC_WEIGHT}`, 'init_file 1 overwrite']);
}

function renderInstance(config: HalfConfig, instance: Instance, notifyHere: boolean, tracksResync: boolean): string[] {
  const vipLine = (vip: IpPrefix): string => `${vip.text} dev ${instance.vipDevs.get(vip) ?? instance.interface}`;
  const own = instance.vips.filter((v) => v.address.family === instance.family);
  const other = instance.vips.filter((v) => v.address.family !== instance.family);
  const body = [
    'state BACKUP',
    `interface ${instance.interface}`,
    `virtual_router_id ${instance.routerId}`,
    `priority ${config.node.priority}`,
    `advert_int ${config.vrrp.advertIntervalSeconds}`,
    ...(config.vrrp.preempt ? [] : ['nopreempt']),
    ...(instance.mcastSource === undefined ? [] : [`mcast_src_ip ${instance.mcastSource}`]),
  ];
  const lines = [...body];
  if (instance.unicast !== undefined) {
    lines.push(`unicast_src_ip ${instance.unicast.source}`, 'check_unicast_src', ...block('', 'unicast_peer', instance.unicast.peers));
  }
  if (instance.track.length > 0) lines.push(...block('', 'track_interface', instance.track));
  if (tracksResync) lines.push(...block('', 'track_file', [RESYNC_TRACK_NAME]));
  lines.push(...block('', 'virtual_ipaddress', own.map(vipLine)));
  // keepalived wants one family per instance: the other family's VIPs move without being advertised.
  if (other.length > 0) lines.push(...block('', 'virtual_ipaddress_excluded', other.map(vipLine)));
  if (notifyHere) lines.push(`notify ${config.vrrp.notifyScript}`);
  return block('', `vrrp_instance ${instance.name}`, lines);
}

/** The whole keepalived.conf for this node. */
export function renderKeepalivedConf(config: HalfConfig): string {
  const all = instances(config);
  const scripts = config.vrrp.notify !== 'fifo';
  const fifo = config.vrrp.notify !== 'script';
  const global = [
    `router_id half-node-${config.node.id}`,
    'vrrp_version 3',
    ...(fifo ? [`vrrp_notify_fifo ${config.vrrp.notifyFifo}`] : []),
    ...(scripts ? ['script_user root', 'enable_script_security'] : []),
    // Takeover: a second round of gratuitous ARP / unsolicited NA 1 s after becoming MASTER (not
    // 5 s), three per round, refreshed every minute for switches and hosts that forgot; if two
    // masters ever meet, the loser speaks first and the winner re-announces.
    'vrrp_garp_master_delay 1',
    'vrrp_garp_master_repeat 3',
    'vrrp_garp_master_refresh 60',
    'vrrp_garp_lower_prio_repeat 1',
    'vrrp_higher_prio_send_advert true',
  ];
  const out = [
    renderedFromLine('keepalived.conf', config),
    '# Do not edit: change half.conf and run `half configure`; this file is rewritten.',
    '',
    ...block('', 'global_defs', global),
    '',
    ...renderTrackFile(config),
  ];
  const grouped = all.length > 1;
  if (grouped) {
    const groupLines = [
      ...block('', 'group', all.map((i) => i.name)),
      ...block('', 'track_file', [RESYNC_TRACK_NAME]),
      ...(scripts ? [`notify ${config.vrrp.notifyScript}`] : []),
    ];
    out.push('', ...block('', `vrrp_sync_group ${SYNC_GROUP_NAME}`, groupLines));
  }
  for (const instance of all) out.push('', ...renderInstance(config, instance, scripts && !grouped, !grouped));
  return out.join('\n') + '\n';
}
