// What the machine looks like, from iproute2's JSON output (ip(8) `-json`; the fields are those
// of `ip -j addr show` and `ip -j route show default`, iproute2 6.1): its interfaces with their
// addresses, which interfaces carry a default route, and the routers those routes go through. Decoding is of untrusted text, so it
// returns a result and never throws; anything unexpected inside an entry is skipped.
import { parseIpAddress, type IpAddress, type IpPrefix } from '../config/ip-address.js';

export interface AddressFact {
  readonly address: IpAddress;
  /** The address with its prefix length, e.g. 203.0.113.1/30. */
  readonly prefix: IpPrefix;
  /** `global`, `link`, `host`, … as ip prints it. */
  readonly scope: string;
}

export interface InterfaceFact {
  readonly name: string;
  readonly index: number;
  readonly loopback: boolean;
  /** Administratively up (flag UP). */
  readonly up: boolean;
  /** NOARP devices (ifb, tunnels, …) cannot carry VRRP or a sync link. */
  readonly noArp: boolean;
  /** The bridge or bond it is enslaved to, if any. */
  readonly master: string | undefined;
  readonly linkType: string;
  readonly addresses: readonly AddressFact[];
}

export interface MachineFacts {
  readonly interfaces: readonly InterfaceFact[];
  /** Interfaces that carry an IPv4 or IPv6 default route. */
  readonly defaultRouteInterfaces: readonly string[];
  /**
   * The routers of the IPv4 and IPv6 default routes (`via`): addresses of other machines, which
   * a VIP must never take (keepalived would answer ARP and NDP for the upstream router).
   */
  readonly defaultGateways: readonly IpAddress[];
}

export type FactsResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function parseArray(text: string, what: string): FactsResult<unknown[]> {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch (error) {
    return { ok: false, message: `${what} did not print JSON: ${(error as Error).message}` };
  }
  return Array.isArray(value) ? { ok: true, value } : { ok: false, message: `${what} printed JSON that is not a list` };
}

function addressFact(raw: unknown): AddressFact | undefined {
  const info = asObject(raw);
  if (info === undefined || (info['family'] !== 'inet' && info['family'] !== 'inet6')) return undefined;
  const local = typeof info['local'] === 'string' ? parseIpAddress(info['local']) : undefined;
  const length = info['prefixlen'];
  if (local === undefined || typeof length !== 'number' || !Number.isInteger(length)) return undefined;
  if (length < 0 || length > (local.family === 4 ? 32 : 128)) return undefined;
  const scope = typeof info['scope'] === 'string' ? info['scope'] : 'global';
  return { address: local, prefix: { address: local, length, text: `${local.text}/${length}` }, scope };
}

/** Decodes `ip -j addr show`. */
export function parseIpAddrJson(text: string): FactsResult<InterfaceFact[]> {
  const list = parseArray(text, 'ip -j addr show');
  if (!list.ok) return list;
  const interfaces: InterfaceFact[] = [];
  for (const raw of list.value) {
    const link = asObject(raw);
    if (link === undefined || typeof link['ifname'] !== 'string') continue;
    const flags = Array.isArray(link['flags']) ? link['flags'].filter((f): f is string => typeof f === 'string') : [];
    const linkType = typeof link['link_type'] === 'string' ? link['link_type'] : 'unknown';
    const addrInfo = Array.isArray(link['addr_info']) ? link['addr_info'] : [];
    interfaces.push({
      name: link['ifname'],
      index: typeof link['ifindex'] === 'number' ? link['ifindex'] : 0,
      loopback: flags.includes('LOOPBACK') || linkType === 'loopback',
      up: flags.includes('UP'),
      noArp: flags.includes('NOARP'),
      master: typeof link['master'] === 'string' ? link['master'] : undefined,
      linkType,
      addresses: addrInfo.map(addressFact).filter((a): a is AddressFact => a !== undefined),
    });
  }
  return { ok: true, value: interfaces };
}

/** Decodes `ip -j route show default` (IPv4 or IPv6): the devices of default routes. */
export function parseDefaultRoutesJson(text: string): FactsResult<string[]> {
  const list = parseArray(text, 'ip -j route show default');
  if (!list.ok) return list;
  const devices: string[] = [];
  for (const raw of list.value) {
    const route = asObject(raw);
    if (route === undefined || route['dst'] !== 'default' || typeof route['dev'] !== 'string') continue;
    if (!devices.includes(route['dev'])) devices.push(route['dev']);
  }
  return { ok: true, value: devices };
}

/**
 * Decodes `ip -j route show default` (IPv4 or IPv6): the gateways of default routes, those of
 * multipath routes (`nexthops`) too. Routes without a gateway (a device route) give none.
 */
export function parseDefaultGatewaysJson(text: string): FactsResult<IpAddress[]> {
  const list = parseArray(text, 'ip -j route show default');
  if (!list.ok) return list;
  const gateways: IpAddress[] = [];
  const add = (raw: unknown): void => {
    const gateway = typeof raw === 'string' ? parseIpAddress(raw) : undefined;
    if (gateway !== undefined && !gateways.some((g) => g.text === gateway.text)) gateways.push(gateway);
  };
  for (const raw of list.value) {
    const route = asObject(raw);
    if (route === undefined || route['dst'] !== 'default') continue;
    add(route['gateway']);
    const hops = Array.isArray(route['nexthops']) ? route['nexthops'] : [];
    for (const hop of hops) add(asObject(hop)?.['gateway']);
  }
  return { ok: true, value: gateways };
}

/** Whether `address` is a router of one of this machine's default routes. */
export function isDefaultGateway(facts: MachineFacts, address: IpAddress): boolean {
  return facts.defaultGateways.some((g) => g.text === address.text);
}

/** Global-scope addresses only: link-local and host addresses say nothing about the networks. */
export function globalAddresses(iface: InterfaceFact): AddressFact[] {
  return iface.addresses.filter((a) => a.scope === 'global');
}

/** The interface that has `address`, if any. */
export function interfaceWithAddress(facts: MachineFacts, address: IpAddress): InterfaceFact | undefined {
  return facts.interfaces.find((i) => i.addresses.some((a) => a.address.text === address.text));
}
