// What a firewall's boot does before any HA software starts: sysctls, the stateful ruleset, an
// empty conntrack table and no VIPs (a node that was switched off lost both). Used at the start
// and when a switched-off node comes back.
import type { NamespaceSet } from '../../../helpers/netns.js';
import { FIREWALL_IFACES, LAN_VIP, WAN_VIP, type FirewallAddresses } from './addresses.js';
import { DROP_COUNTERS, FILTER_TABLE, FIREWALL_SYSCTLS, renderFirewallRuleset, type DropCounter } from './ruleset.js';

export async function bootFirewall(net: NamespaceSet, fw: FirewallAddresses): Promise<void> {
  for (const [key, value] of Object.entries(FIREWALL_SYSCTLS)) {
    await net.exec(fw.name, ['sysctl', '-q', '-w', `${key}=${value}`], { check: true });
  }
  await net.exec(fw.name, ['nft', '-f', '-'], { input: renderFirewallRuleset(fw), check: true });
  // leftovers of a previous life: VIPs and state (a rebooted machine has neither)
  for (const [iface, vip] of [[FIREWALL_IFACES.lan, LAN_VIP], [FIREWALL_IFACES.wan, WAN_VIP]] as const) {
    await net.exec(fw.name, ['ip', 'addr', 'del', `${vip}/24`, 'dev', iface]);
  }
  const flushed = await net.exec(fw.name, ['conntrack', '-F']);
  if (flushed.exitCode !== 0 && !/flow entries have been deleted/.test(flushed.stderr)) {
    throw new Error(`conntrack -F in ${fw.name} failed: ${flushed.stderr.trim()}`);
  }
}

export type DropCounts = Readonly<Record<DropCounter, number>>;

/** Packets dropped by each named counter of the ruleset so far. */
export async function readDropCounters(net: NamespaceSet, fw: FirewallAddresses): Promise<DropCounts> {
  const listed = await net.exec(fw.name, ['nft', '-j', 'list', 'counters', 'table', 'inet', FILTER_TABLE], { check: true });
  const parsed = JSON.parse(listed.stdout) as { nftables: { counter?: { name: string; packets: number } }[] };
  const counts = Object.fromEntries(DROP_COUNTERS.map((name) => [name, 0])) as Record<DropCounter, number>;
  for (const item of parsed.nftables) {
    const c = item.counter;
    if (c !== undefined && (DROP_COUNTERS as readonly string[]).includes(c.name)) counts[c.name as DropCounter] = c.packets;
  }
  return counts;
}
