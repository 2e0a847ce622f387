// Machine facts for the configure tests: a firewall captured with `ip -j` in a network namespace
// (eth0 192.0.2.1/24 + 2001:db8:1::1/64, eth1 198.51.100.1/24 with the default route via 198.51.100.100, eth2
// 203.0.113.1/30 as the sync link, eth3 without an address), and variants derived from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDefaultGatewaysJson, parseDefaultRoutesJson, parseIpAddrJson, type InterfaceFact, type MachineFacts } from '../../../../daemon/src/configure/machine-facts.js';

const dir = join(import.meta.dirname, '..', 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

export function capturedFirewall(): MachineFacts {
  const interfaces = parseIpAddrJson(fixtureText('ip-addr-fw.json'));
  const routes = parseDefaultRoutesJson(fixtureText('ip-route4-fw.json'));
  const gateways = parseDefaultGatewaysJson(fixtureText('ip-route4-fw.json'));
  if (!interfaces.ok || !routes.ok || !gateways.ok) throw new Error('the captured fixtures no longer decode');
  return { interfaces: interfaces.value, defaultRouteInterfaces: routes.value, defaultGateways: gateways.value };
}

/** The captured firewall with one interface changed. */
export function withInterface(facts: MachineFacts, name: string, change: (i: InterfaceFact) => InterfaceFact): MachineFacts {
  return { ...facts, interfaces: facts.interfaces.map((i) => (i.name === name ? change(i) : i)) };
}
