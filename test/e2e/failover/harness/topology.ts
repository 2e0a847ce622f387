// Builds the seed's topology (addresses.ts) out of network namespaces: one per host and firewall,
// plus one per switch holding a bridge, all from a NamespaceSet (test/helpers/netns.ts) that
// only allows documentation addresses and removes exactly what it created.
import type { NamespaceSet } from '../../../helpers/netns.js';
import { FIREWALL_IFACES, FIREWALLS, HOSTS, LAN_PREFIX, LAN_VIP, WAN_VIP, type FirewallName, type HostName } from './addresses.js';

export interface Topology {
  readonly net: NamespaceSet;
  readonly hosts: readonly HostName[];
  readonly firewalls: readonly FirewallName[];
}

const LAN_SWITCH = 'lansw';
const WAN_SWITCH = 'wansw';

/** Creates every namespace, link and address; the firewalls' VIPs are left to VRRP. */
export async function buildTopology(net: NamespaceSet): Promise<Topology> {
  for (const ns of [LAN_SWITCH, WAN_SWITCH, 'tom', 'jerry', 'halfone', 'halftwo', 'gateway']) await net.addNs(ns);

  // switch ports: the bridge side is named after the machine plugged into it
  await net.veth('tom', HOSTS.tom.iface, LAN_SWITCH, 'tom');
  await net.veth('jerry', HOSTS.jerry.iface, LAN_SWITCH, 'jerry');
  await net.veth('gateway', HOSTS.gateway.iface, WAN_SWITCH, 'gw');
  for (const fw of ['halfone', 'halftwo'] as const) {
    const port = fw === 'halfone' ? 'one' : 'two';
    await net.veth(fw, FIREWALL_IFACES.lan, LAN_SWITCH, port);
    await net.veth(fw, FIREWALL_IFACES.wan, WAN_SWITCH, port);
  }
  await net.veth('halfone', FIREWALL_IFACES.sync, 'halftwo', FIREWALL_IFACES.sync);
  await net.bridge(LAN_SWITCH, 'br0', ['tom', 'jerry', 'one', 'two']);
  await net.bridge(WAN_SWITCH, 'br0', ['gw', 'one', 'two']);

  for (const name of ['tom', 'jerry', 'gateway'] as const) {
    const host = HOSTS[name];
    await net.addr(name, host.iface, `${host.address}/${host.prefix}`);
  }
  await net.route('tom', 'default', LAN_VIP);
  await net.route('jerry', 'default', LAN_VIP);
  // The gateway knows the way into the LAN (through the WAN VIP) so that the "connection from
  // outside" probe reaches the firewall and is refused by its ruleset, not by a missing route.
  await net.route('gateway', LAN_PREFIX, WAN_VIP);

  for (const fw of ['halfone', 'halftwo'] as const) {
    const a = FIREWALLS[fw];
    await net.addr(fw, FIREWALL_IFACES.lan, `${a.lan}/24`);
    await net.addr(fw, FIREWALL_IFACES.wan, `${a.wan}/24`);
    await net.addr(fw, FIREWALL_IFACES.sync, `${a.sync}/30`);
  }
  return { net, hosts: ['tom', 'jerry', 'gateway'], firewalls: ['halfone', 'halftwo'] };
}
