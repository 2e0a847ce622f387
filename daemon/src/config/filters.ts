// What half-syncd replicates (model: conntrackd's Filter { Protocol, Address Ignore, State }).
// Pure: the config and the node's current addresses in, the effective filter out.
//
// Ignored, whatever half.conf says: connections of the node itself (its own addresses and
// loopback) and of the sync links (own and peers' sync addresses, and a link's multicast group,
// the responder of the peers' multicast sync traffic: the sync traffic itself is never
// replicated). Never ignored: the virtual addresses, even while this node holds them,
// because the NATed and forwarded connections that must survive a failover use them.
import { PROTOCOLS, type HalfConfig, type TcpStateName } from './half-conf.js';
import { parseIpPrefix, prefixContains, type IpAddress, type IpPrefix } from './ip-address.js';

export interface ReplicationFilter {
  /** A connection is not replicated when an address of its original tuple is in one of these. */
  readonly ignore: readonly IpPrefix[];
  /** IP protocol numbers that are replicated. */
  readonly protocols: ReadonlySet<number>;
  /** TCP states that are replicated. */
  readonly tcpStates: ReadonlySet<TcpStateName>;
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'].map((text) => {
  const result = parseIpPrefix(text);
  if (!result.ok) throw new Error(`filters: bad built-in prefix ${text}`);
  return result.prefix;
});

function hostPrefix(address: IpAddress): IpPrefix {
  const length = address.family === 4 ? 32 : 128;
  return { address, length, text: `${address.text}/${length}` };
}

/**
 * The effective filter. `localAddresses` are the node's own addresses (e.g. from `ip -j addr`);
 * any of them that is a configured virtual address is left out.
 */
export function replicationFilter(config: HalfConfig, localAddresses: readonly IpAddress[]): ReplicationFilter {
  const vips = new Set(config.vips.flatMap((v) => v.vips.map((vip) => vip.address.text)));
  const candidates: IpPrefix[] = [
    ...LOOPBACK,
    ...config.sync.links.flatMap((link) => [link.address, ...link.peers, ...(link.multicastGroup === undefined ? [] : [link.multicastGroup])].map(hostPrefix)),
    ...localAddresses.filter((a) => !vips.has(a.text)).map(hostPrefix),
    ...config.filter.ignore,
  ];
  const ignore: IpPrefix[] = [];
  const seen = new Set<string>();
  for (const prefix of candidates) {
    if (seen.has(prefix.text)) continue;
    seen.add(prefix.text);
    ignore.push(prefix);
  }
  return {
    ignore,
    protocols: new Set(config.filter.protocols.map((name) => PROTOCOLS[name])),
    tcpStates: new Set(config.filter.tcpStates),
  };
}

/** Whether an address is ignored by the filter. */
export function isIgnored(filter: ReplicationFilter, address: IpAddress): boolean {
  return filter.ignore.some((prefix) => prefixContains(prefix, address));
}
