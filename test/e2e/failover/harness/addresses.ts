// The failover scenario's address plan: the seed's topology (tom and jerry on a LAN switch, the
// firewalls halfone and halftwo between the LAN and the WAN switch with a direct sync link, a
// gateway on the WAN), renumbered into the documentation ranges of RFC 5737 only:
//
//   tom 192.0.2.128   jerry 192.0.2.129
//          \              /
//           [ LAN switch ]          VIP 192.0.2.254
//          /              \
//   192.0.2.1 lan0      lan0 192.0.2.2
//   [halfone] sync0 --- sync0 [halftwo]     203.0.113.1/30 -- 203.0.113.2/30
//   198.51.100.1 wan0   wan0 198.51.100.2
//          \              /
//           [ WAN switch ]          VIP 198.51.100.254 (SNAT source)
//                 |
//        gateway 198.51.100.128
export type FirewallName = 'halfone' | 'halftwo';
export type HostName = 'tom' | 'jerry' | 'gateway';

export const LAN_PREFIX = '192.0.2.0/24';
export const WAN_PREFIX = '198.51.100.0/24';
export const SYNC_PREFIX = '203.0.113.0/30';
export const LAN_VIP = '192.0.2.254';
export const WAN_VIP = '198.51.100.254';

export const HOSTS = {
  tom: { iface: 'eth0', address: '192.0.2.128', prefix: 24, via: LAN_VIP },
  jerry: { iface: 'eth0', address: '192.0.2.129', prefix: 24, via: LAN_VIP },
  gateway: { iface: 'eth0', address: '198.51.100.128', prefix: 24, via: undefined },
} as const;

export interface FirewallAddresses {
  readonly name: FirewallName;
  readonly peer: FirewallName;
  readonly lan: string;
  readonly wan: string;
  readonly sync: string;
  readonly peerLan: string;
  readonly peerWan: string;
  readonly peerSync: string;
  /** VRRP priority: halfone is the preferred (preempting) master. */
  readonly priority: number;
}

export const FIREWALL_IFACES = { lan: 'lan0', wan: 'wan0', sync: 'sync0' } as const;

const ONE = { lan: '192.0.2.1', wan: '198.51.100.1', sync: '203.0.113.1' };
const TWO = { lan: '192.0.2.2', wan: '198.51.100.2', sync: '203.0.113.2' };

export const FIREWALLS: Readonly<Record<FirewallName, FirewallAddresses>> = {
  halfone: { name: 'halfone', peer: 'halftwo', ...ONE, peerLan: TWO.lan, peerWan: TWO.wan, peerSync: TWO.sync, priority: 150 },
  halftwo: { name: 'halftwo', peer: 'halfone', ...TWO, peerLan: ONE.lan, peerWan: ONE.wan, peerSync: ONE.sync, priority: 100 },
};

/** TCP and UDP ports the traffic uses on the gateway (FTP control on 21, as the helper expects). */
export const PORTS = { tcpEcho: 7000, udpEcho: 7001, ftp: 21, lanService: 7007 } as const;
