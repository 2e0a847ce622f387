import { describe, expect, it } from 'vitest';
import { assertDocumentationCidr, assertIpArgs, NetworkSafetyError } from '../helpers/doc-addresses.js';

describe('assertDocumentationCidr', () => {
  it.each([
    ['192.0.2.1/24', 4, 24],
    ['198.51.100.200/25', 4, 25],
    ['203.0.113.1/30', 4, 30],
    ['203.0.113.255', 4, 32],
    ['2001:db8::1/64', 6, 64],
    ['2001:db8:ffff::1/32', 6, 32],
  ])('accepts %s', (cidr, family, prefix) => {
    expect(assertDocumentationCidr(cidr)).toMatchObject({ family, prefix });
  });

  it.each([
    ['10.0.0.1', /outside the documentation ranges/],
    ['10.0.0.1/8', /outside/],
    ['192.0.3.1/24', /outside/],
    ['127.0.0.1/8', /outside/],
    ['203.0.113.1/16', /prefix \/16 reaches beyond/],
    ['2001:db9::1/64', /outside/],
    ['2001:db8::1/16', /prefix \/16 reaches beyond/],
    ['fe80::1/64', /outside/],
    ['203.0.113.1/33', /bad prefix/],
    ['203.0.113.1/x', /bad prefix/],
    ['eth0', /not an IPv4 or IPv6 address/],
    ['203.0.113.1/24/1', /not an IPv4/],
  ])('refuses %s', (cidr, why) => {
    expect(() => assertDocumentationCidr(cidr)).toThrow(NetworkSafetyError);
    expect(() => assertDocumentationCidr(cidr)).toThrow(why);
    expect(() => assertDocumentationCidr(cidr)).toThrow(/192\.0\.2\.0\/24, 198\.51\.100\.0\/24, 203\.0\.113\.0\/24, 2001:db8::\/32/);
  });
});

describe('assertIpArgs (the namespace labs of the channel and HA tests)', () => {
  it('refuses an interface or route address outside the documentation ranges, and a gateway', () => {
    expect(() => assertIpArgs(['addr', 'add', '10.0.0.1/24', 'dev', 'x'])).toThrow(NetworkSafetyError);
    expect(() => assertIpArgs(['-6', 'route', 'add', 'fe80::/64', 'dev', 'x'])).toThrow(NetworkSafetyError);
    expect(() => assertIpArgs(['route', 'add', '203.0.113.0/24', 'via', '10.1.1.1'])).toThrow(/10\.1\.1\.1/);
    expect(() => assertIpArgs(['route', 'add', 'default', 'via', '10.1.1.1'])).toThrow(/10\.1\.1\.1/);
  });

  it('lets documentation addresses, an interface\'s IPv6 link-local address and other commands through', () => {
    expect(() => assertIpArgs(['addr', 'add', '192.0.2.1/24', 'dev', 'lan0'])).not.toThrow();
    expect(() => assertIpArgs(['-6', 'addr', 'add', 'fe80::1/64', 'dev', 'sync0', 'nodad'])).not.toThrow();
    expect(() => assertIpArgs(['route', 'add', 'default', 'via', '192.0.2.1'])).not.toThrow();
    expect(() => assertIpArgs(['link', 'set', 'lo', 'up'])).not.toThrow();
  });
});
