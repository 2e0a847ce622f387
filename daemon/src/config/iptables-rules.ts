// The iptables fallback for machines whose filter rules are iptables (legacy or iptables-nft):
// iptables-restore(8) / ip6tables-restore(8) input for `--noflush`, with the match syntax of
// iptables-extensions(8). Pure: HalfConfig in, text out.
//
// With iptables the accepts must sit in the admin's INPUT chain to count (an ACCEPT there ends the
// filter table for the packet), so HALF owns one chain, HALF-INPUT, and one jump at the top of
// INPUT. Declaring `:HALF-INPUT - [0:0]` under --noflush empties HALF's chain only, so loading
// again replaces HALF's rules and leaves every other rule alone. The takeover guard stays in
// nftables (`table inet half`, nft-ruleset.ts): its drops hold whatever else is loaded.
import type { HalfConfig, SyncLink } from './half-conf.js';
import type { IpFamily } from './ip-address.js';
import { syncBoundAddresses, VRRP_PROTOCOL } from './nft-ruleset.js';
import { renderedFromLine } from './render-header.js';

export const IPTABLES_CHAIN = 'HALF-INPUT';

export interface IptablesHook {
  readonly table: 'filter';
  readonly chain: 'INPUT';
  readonly target: typeof IPTABLES_CHAIN;
}

export interface IptablesRendering {
  /** iptables-restore --noflush input (IPv4). */
  readonly v4: string;
  /** ip6tables-restore --noflush input (IPv6). */
  readonly v6: string;
  /** Jumps that must exist at the top of built-in chains: check with -C, insert with -I 1. */
  readonly hooks: readonly IptablesHook[];
}

function host(text: string, family: IpFamily): string {
  return `${text}/${family === 4 ? 32 : 128}`;
}

// Each accept names the one address half-syncd binds on the link (its group, or its own address):
// without it an ACCEPT here, ahead of the admin's INPUT rules, would open the sync port on every
// address of the node (a resolver listening on that port, say).
function syncRules(link: SyncLink, port: number, family: IpFamily): string[] {
  if (link.address.family !== family) return [];
  if (link.multicastGroup !== undefined) {
    return [`-A ${IPTABLES_CHAIN} -i ${link.interface} -d ${host(link.multicastGroup.text, family)} -p udp --dport ${port} -j ACCEPT`];
  }
  const own = host(link.address.text, family);
  return link.peers
    .filter((p) => p.family === family)
    .map((p) => `-A ${IPTABLES_CHAIN} -i ${link.interface} -s ${host(p.text, family)} -d ${own} -p udp --dport ${port} -j ACCEPT`);
}

/** Sync traffic the accepts did not take, to the addresses half-syncd binds only (its link addresses or groups). */
function foreignSyncDrops(config: HalfConfig, family: IpFamily): string[] {
  const bound = syncBoundAddresses(config).filter((a) => a.family === family);
  return [...new Set(bound.map((a) => a.text))].map((text) => `-A ${IPTABLES_CHAIN} -d ${host(text, family)} -p udp --dport ${config.sync.port} -j DROP`);
}

function vrrpRules(config: HalfConfig, family: IpFamily): string[] {
  if (config.vrrp.adverts === 'vip-interfaces') {
    return config.vips
      .filter((v) => v.vips.some((vip) => vip.address.family === family))
      .map((v) => `-A ${IPTABLES_CHAIN} -i ${v.interface} -p ${VRRP_PROTOCOL} -j ACCEPT`);
  }
  const link = config.sync.links[0];
  if (link.address.family !== family) return [];
  if (link.peers.length === 0) return [`-A ${IPTABLES_CHAIN} -i ${link.interface} -p ${VRRP_PROTOCOL} -j ACCEPT`];
  return link.peers.map((p) => `-A ${IPTABLES_CHAIN} -i ${link.interface} -s ${host(p.text, family)} -p ${VRRP_PROTOCOL} -j ACCEPT`);
}

function renderFamily(config: HalfConfig, family: IpFamily): string {
  const command = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  return [
    renderedFromLine(`${command} --noflush input`, config),
    `# Do not edit: change half.conf and run \`half configure\`. Replaces chain ${IPTABLES_CHAIN} only.`,
    '*filter',
    `:${IPTABLES_CHAIN} - [0:0]`,
    ...config.sync.links.flatMap((link) => syncRules(link, config.sync.port, family)),
    ...foreignSyncDrops(config, family),
    ...vrrpRules(config, family),
    'COMMIT',
  ].join('\n') + '\n';
}

export function renderIptablesRules(config: HalfConfig): IptablesRendering {
  return {
    v4: renderFamily(config, 4),
    v6: renderFamily(config, 6),
    hooks: [{ table: 'filter', chain: 'INPUT', target: IPTABLES_CHAIN }],
  };
}
