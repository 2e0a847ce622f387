// The stateful ruleset an admin runs on both firewalls, whatever replicates their state
// (nft(8), "CONNTRACK EXPRESSION", "CT HELPER"; nf_conntrack-sysctl for tcp_loose):
// - FORWARD drops by default; accepts ESTABLISHED,RELATED, and NEW only from the LAN to the WAN.
// - Packets without state are never accepted: with nf_conntrack_tcp_loose=0 a mid-stream TCP
//   segment that matches no entry is INVALID, and INVALID is dropped, in FORWARD and in INPUT (so
//   a standby that holds the VIPs but not yet the state drops, rather than answers with RSTs).
// - Source NAT of the LAN to the WAN VIP; the FTP helper on LAN-started control connections
//   (active-mode data connections come back in from the WAN as RELATED).
// - INPUT drops by default; accepts VRRP on the VIP links and anything on the sync link from the
//   sync subnet (both stacks' replication traffic).
// Named counters record every drop for the report. Pure: addresses in, `nft -f` text out.
import { FIREWALL_IFACES, LAN_PREFIX, SYNC_PREFIX, WAN_VIP, PORTS, type FirewallAddresses } from './addresses.js';

export const FILTER_TABLE = 'fw';
export const NAT_TABLE = 'fwnat';
export const DROP_COUNTERS = ['fwd_invalid', 'fwd_refused', 'in_invalid', 'in_refused'] as const;
export type DropCounter = (typeof DROP_COUNTERS)[number];

/** Per-namespace sysctls of a firewall (the helper is assigned by the ruleset, not by sysctl). */
export const FIREWALL_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': '1',
  'net.netfilter.nf_conntrack_tcp_loose': '0',
};

export function renderFirewallRuleset(fw: FirewallAddresses): string {
  const { lan, wan, sync } = FIREWALL_IFACES;
  const counters = DROP_COUNTERS.map((name) => `  counter ${name} { }`).join('\n');
  return `# stateful firewall of ${fw.name} (failover scenario)
table inet ${FILTER_TABLE}
delete table inet ${FILTER_TABLE}
table ip ${NAT_TABLE}
delete table ip ${NAT_TABLE}

table inet ${FILTER_TABLE} {
${counters}

  ct helper ftp-standard {
    type "ftp" protocol tcp
    l3proto ip
  }

  chain prerouting {
    type filter hook prerouting priority filter; policy accept;
    iifname "${lan}" ip saddr ${LAN_PREFIX} tcp dport ${PORTS.ftp} ct state new ct helper set "ftp-standard"
  }

  chain input {
    type filter hook input priority filter; policy drop;
    iifname "lo" accept
    ct state invalid counter name "in_invalid" drop
    ct state established,related accept
    iifname { "${lan}", "${wan}" } ip protocol 112 ip saddr { ${fw.peerLan}, ${fw.peerWan} } accept
    iifname "${sync}" ip saddr ${SYNC_PREFIX} accept
    icmp type echo-request accept
    counter name "in_refused" drop
  }

  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state invalid counter name "fwd_invalid" drop
    ct state established,related accept
    iifname "${lan}" oifname "${wan}" ip saddr ${LAN_PREFIX} ct state new accept
    counter name "fwd_refused" drop
  }
}

table ip ${NAT_TABLE} {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${wan}" ip saddr ${LAN_PREFIX} snat to ${WAN_VIP}
  }
}
`;
}
