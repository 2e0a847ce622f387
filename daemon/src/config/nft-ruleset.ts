// nftables rules HALF needs, in a table of its own (nft(8): TABLES, CHAINS, SETS, "ct state",
// "tcp flags"; nftables wiki "Configuring chains" for base chain priorities). Pure: text out.
//
// `table inet half` hooks input and forward at priority filter - 10, before the usual filter
// chains, and never touches other tables. nftables semantics to keep in mind:
// - a drop here is final for the packet, whatever other tables say: the takeover guard and
//   "sync port only from the peers on the sync interface" are enforced by this table alone (the
//   drop matches the sync addresses only: the port on other addresses is the admin's business);
// - an accept here only ends this table's chain: a later chain of the admin's own ruleset can
//   still drop the packet. When the admin's input policy is drop, their ruleset must also allow
//   VRRP and the sync port (half.conf(5) shows the two lines; for iptables rulesets,
//   iptables-rules.ts renders chain HALF-INPUT, which the admin loads with their own rules).
//
// The takeover guard: while the new MASTER commits the peer's connections, a packet of a
// connection not committed yet reaches this node without state. With nf_conntrack_tcp_loose=0
// it is `ct state invalid`; with loose=1 a mid-stream segment starts a `new` entry. Either way it
// would go to the local stack (a VIP is local) and draw a RST that kills the connection. While
// the set `guard` holds `tcp`, such TCP packets are dropped instead (the peer retransmits after
// the commit); a genuine new connection (a pure SYN) to the node itself still passes.
// The guard also holds every new forwarded connection, of any protocol, while the set
// `hold_new` holds the address families: a LAN datagram (UDP, ICMP …) or SYN forwarded before
// the commit would create a fresh entry, with a fresh NAT mapping, where the replicated entry
// (same original tuple, or the same mapped port of another host) is about to be committed; the
// commit of that entry then fails and the flow comes out with another mapping. Held, the client
// sends again after the commit and its packet matches the committed entry. A standby holds the
// guard on and forwards nothing new (it holds no VIP, so nothing should be routed through it).
// Toggling is one transaction of element adds or deletes: atomic, no rule handles to track.
import type { HalfConfig, SyncLink } from './half-conf.js';
import type { IpAddress } from './ip-address.js';
import { renderedFromLine } from './render-header.js';

export const NFT_TABLE = 'half';
/** IP protocol number of VRRP (RFC 5798 §5.1.1.4, §5.1.2.4). */
export const VRRP_PROTOCOL = 112;

const quoteIf = (names: readonly string[]): string =>
  names.length === 1 ? `"${names[0] as string}"` : `{ ${names.map((n) => `"${n}"`).join(', ')} }`;

function addressMatch(field: 'saddr' | 'daddr', addresses: readonly IpAddress[], family: 4 | 6): string | undefined {
  const own = [...new Set(addresses.filter((a) => a.family === family).map((a) => a.text))];
  if (own.length === 0) return undefined;
  return `${family === 4 ? 'ip' : 'ip6'} ${field} ${own.length === 1 ? own[0] : `{ ${own.join(', ')} }`}`;
}

const saddrMatch = (addresses: readonly IpAddress[], family: 4 | 6): string | undefined => addressMatch('saddr', addresses, family);
const daddrMatch = (addresses: readonly IpAddress[], family: 4 | 6): string | undefined => addressMatch('daddr', addresses, family);

// Each accept names the one address half-syncd binds on the link (its group, or its own address),
// so that the port on the node's other addresses stays the admin's business.
function syncRules(link: SyncLink, port: number): string[] {
  const family = link.address.family;
  if (link.multicastGroup !== undefined) {
    return [`iifname "${link.interface}" ${daddrMatch([link.multicastGroup], link.multicastGroup.family) as string} udp dport ${port} accept`];
  }
  const from = saddrMatch(link.peers, family);
  return from === undefined ? [] : [`iifname "${link.interface}" ${from} ${daddrMatch([link.address], family) as string} udp dport ${port} accept`];
}

/** The addresses half-syncd binds: each sync link's own address, or its multicast group. */
export function syncBoundAddresses(config: HalfConfig): IpAddress[] {
  return config.sync.links.map((link) => link.multicastGroup ?? link.address);
}

/**
 * The drop of sync traffic the accepts above did not take: only to the addresses half-syncd binds
 * (each link's own address, or its multicast group), so that the same port on the node's other
 * addresses (a resolver's 53, say) is left to the admin's rules.
 */
function foreignSyncDrops(config: HalfConfig): string[] {
  return ([4, 6] as const)
    .map((family) => daddrMatch(syncBoundAddresses(config), family))
    .filter((m): m is string => m !== undefined)
    .map((match) => `${match} udp dport ${config.sync.port} counter name "sync_foreign_dropped" drop`);
}

function vrrpRules(config: HalfConfig): string[] {
  if (config.vrrp.adverts === 'vip-interfaces') {
    return [`iifname ${quoteIf(config.vips.map((v) => v.interface))} meta l4proto ${VRRP_PROTOCOL} accept`];
  }
  const link = config.sync.links[0];
  if (link.peers.length === 0) return [`iifname "${link.interface}" meta l4proto ${VRRP_PROTOCOL} accept`];
  return ([4, 6] as const)
    .map((family) => saddrMatch(link.peers, family))
    .filter((m): m is string => m !== undefined)
    .map((match) => `iifname "${link.interface}" ${match} meta l4proto ${VRRP_PROTOCOL} accept`);
}

/** The guard's rules: drop stateless TCP while the set holds tcp. */
export const GUARD_RULES = [
  'meta l4proto @guard ct state invalid counter name "guard_dropped" drop',
  'tcp flags & (fin | syn | rst | ack) != syn meta l4proto @guard ct state new counter name "guard_dropped" drop',
] as const;

/** The guard's forward-only rule: no new forwarded connection while `hold_new` holds the family. */
export const HOLD_NEW_RULE = 'meta nfproto @hold_new ct state new counter name "guard_dropped" drop';

/** Elements of the two sets while the guard is on. */
const GUARD_ELEMENTS = { guard: 'tcp', hold_new: 'ipv4, ipv6' } as const;

/** The takeover guard's sets in `table inet half`: every guard change names both. */
export const GUARD_SETS = Object.keys(GUARD_ELEMENTS) as readonly (keyof typeof GUARD_ELEMENTS)[];

export interface NftRenderOptions {
  /**
   * Load with the guard on. A reload replaces the set too: the caller passes the state the node
   * needs (on for a standby or a node still committing, off for a MASTER whose commit is done).
   */
  readonly guardOn?: boolean;
}

/** `nft -f` input that creates (or replaces) `table inet half`; the guard off unless asked. */
export function renderNftRuleset(config: HalfConfig, options: NftRenderOptions = {}): string {
  const tab = '\t';
  const guardOn = options.guardOn === true;
  const lines = [
    renderedFromLine('nftables rules', config),
    '# Do not edit: change half.conf and run `half configure`. `nft -f` on this file replaces',
    `# table inet ${NFT_TABLE} (and nothing else) in one transaction; the guard starts ${guardOn ? 'on' : 'off'}.`,
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    `${tab}# Holds "tcp" while the takeover guard is on.`,
    `${tab}set guard {`,
    `${tab}${tab}type inet_proto`,
    ...(guardOn ? [`${tab}${tab}elements = { ${GUARD_ELEMENTS.guard} }`] : []),
    `${tab}}`,
    '',
    `${tab}# Holds "ipv4" and "ipv6" while the takeover guard is on: new forwarded connections wait.`,
    `${tab}set hold_new {`,
    `${tab}${tab}type nf_proto`,
    ...(guardOn ? [`${tab}${tab}elements = { ${GUARD_ELEMENTS.hold_new} }`] : []),
    `${tab}}`,
    '',
    `${tab}counter guard_dropped {`,
    `${tab}}`,
    '',
    `${tab}counter sync_foreign_dropped {`,
    `${tab}}`,
    '',
    `${tab}chain input {`,
    `${tab}${tab}type filter hook input priority filter - 10; policy accept;`,
    ...config.sync.links.flatMap((link) => syncRules(link, config.sync.port)).map((r) => `${tab}${tab}${r}`),
    ...foreignSyncDrops(config).map((r) => `${tab}${tab}${r}`),
    ...vrrpRules(config).map((r) => `${tab}${tab}${r}`),
    `${tab}${tab}jump guard`,
    `${tab}}`,
    '',
    `${tab}chain forward {`,
    `${tab}${tab}type filter hook forward priority filter - 10; policy accept;`,
    `${tab}${tab}jump guard`,
    `${tab}${tab}${HOLD_NEW_RULE}`,
    `${tab}}`,
    '',
    `${tab}chain guard {`,
    ...GUARD_RULES.map((r) => `${tab}${tab}${r}`),
    `${tab}}`,
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** `nft -f` input turning the guard on or off (both sets, one transaction); idempotent either way. */
export function renderGuardCommand(on: boolean): string {
  const sets = Object.entries(GUARD_ELEMENTS);
  const add = sets.map(([set, elements]) => `add element inet ${NFT_TABLE} ${set} { ${elements} }\n`).join('');
  return on ? add : add + sets.map(([set, elements]) => `delete element inet ${NFT_TABLE} ${set} { ${elements} }\n`).join('');
}

/** `nft -f` input removing HALF's table (package removal); a no-op when it is absent. */
export function renderNftRemoval(): string {
  return `table inet ${NFT_TABLE}\ndelete table inet ${NFT_TABLE}\n`;
}
