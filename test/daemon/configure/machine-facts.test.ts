import { describe, expect, it } from 'vitest';
import { globalAddresses, interfaceWithAddress, parseDefaultGatewaysJson, parseDefaultRoutesJson, parseIpAddrJson } from '../../../daemon/src/configure/machine-facts.js';
import { parseIpAddress } from '../../../daemon/src/config/ip-address.js';
import { capturedFirewall, fixtureText } from './helpers/facts.js';

describe('parseIpAddrJson', () => {
  it('reads interfaces, flags and addresses from captured `ip -j addr show` output', () => {
    const facts = capturedFirewall();
    expect(facts.interfaces.map((i) => i.name)).toEqual(['lo', 'eth0', 'eth1', 'eth2', 'eth3']);
    const lo = facts.interfaces[0];
    expect(lo?.loopback).toBe(true);
    const eth0 = facts.interfaces.find((i) => i.name === 'eth0');
    expect(eth0?.up).toBe(true);
    expect(eth0?.noArp).toBe(false);
    expect(globalAddresses(eth0!).map((a) => a.prefix.text)).toEqual(['192.0.2.1/24', '2001:db8:1::1/64']);
    // The link-local IPv6 address is there, but is not global.
    expect(eth0?.addresses.some((a) => a.scope === 'link')).toBe(true);
    expect(globalAddresses(facts.interfaces.find((i) => i.name === 'eth3')!)).toEqual([]);
    expect(facts.defaultRouteInterfaces).toEqual(['eth1']);
    expect(interfaceWithAddress(facts, parseIpAddress('203.0.113.1')!)?.name).toBe('eth2');
    expect(interfaceWithAddress(facts, parseIpAddress('203.0.113.2')!)).toBeUndefined();
  });

  it('returns a result instead of throwing on output that is not what ip prints', () => {
    expect(parseIpAddrJson('not json')).toMatchObject({ ok: false, message: expect.stringContaining('did not print JSON') });
    expect(parseIpAddrJson('{"ifname":"eth0"}')).toMatchObject({ ok: false, message: expect.stringContaining('not a list') });
    // Broken entries are skipped, good ones kept.
    const mixed = parseIpAddrJson('[1, {"ifname": 5}, {"ifname":"eth9","flags":["UP"],"addr_info":[{"family":"inet","local":"300.1.1.1","prefixlen":24},{"family":"inet","local":"192.0.2.9","prefixlen":99},{"family":"inet","local":"192.0.2.7","prefixlen":24}]}]');
    expect(mixed.ok && mixed.value.map((i) => [i.name, i.addresses.map((a) => a.prefix.text)])).toEqual([['eth9', ['192.0.2.7/24']]]);
    expect(parseIpAddrJson('')).toEqual({ ok: true, value: [] });
  });

  it('finds the default route devices and gateways, IPv4 and IPv6', () => {
    expect(parseDefaultRoutesJson(fixtureText('ip-route4-fw.json'))).toEqual({ ok: true, value: ['eth1'] });
    expect(parseDefaultRoutesJson(fixtureText('ip-route6-fw.json'))).toEqual({ ok: true, value: [] });
    expect(capturedFirewall().defaultGateways.map((g) => g.text)).toEqual(['198.51.100.100']);
    // a device route has no gateway; a multipath route has one per nexthop
    const multipath = parseDefaultGatewaysJson('[{"dst":"default","dev":"ppp0"},{"dst":"default","nexthops":[{"gateway":"2001:DB8::1","dev":"wan0"},{"gateway":"2001:db8::2","dev":"wan1"}]},{"dst":"192.0.2.0/24","gateway":"192.0.2.9"}]');
    expect(multipath.ok && multipath.value.map((g) => g.text)).toEqual(['2001:db8::1', '2001:db8::2']);
    expect(parseDefaultGatewaysJson('nope')).toMatchObject({ ok: false });
    expect(parseDefaultRoutesJson('[{"dst":"default","dev":"wan0"},{"dst":"192.0.2.0/24","dev":"lan0"},{"dst":"default","dev":"wan0"}]')).toEqual({ ok: true, value: ['wan0'] });
  });
});
