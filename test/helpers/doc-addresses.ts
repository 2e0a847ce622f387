// The network safety rule in code: test networks may only use the documentation ranges,
// IPv4 192.0.2.0/24 (TEST-NET-1), 198.51.100.0/24 (TEST-NET-2), 203.0.113.0/24 (TEST-NET-3)
// (RFC 5737) and IPv6 2001:db8::/32 (RFC 3849). Addresses are accepted only with a prefix at
// least as long as their range's, so no route they create can reach beyond it.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export const DOCUMENTATION_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'] as const;

export class NetworkSafetyError extends Error {
  override readonly name = 'NetworkSafetyError';
}

const allowed = new BlockList();
allowed.addSubnet('192.0.2.0', 24, 'ipv4');
allowed.addSubnet('198.51.100.0', 24, 'ipv4');
allowed.addSubnet('203.0.113.0', 24, 'ipv4');
allowed.addSubnet('2001:db8::', 32, 'ipv6');

export interface ParsedCidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
}

/** Accepts `address` or `address/prefix` inside the documentation ranges; throws otherwise. */
export function assertDocumentationCidr(cidr: string): ParsedCidr {
  const [address = '', prefixText, extra] = cidr.split('/');
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  const refuse = (why: string): never => {
    throw new NetworkSafetyError(
      `refusing network address "${cidr}": ${why}; tests may only use ${DOCUMENTATION_RANGES.join(', ')} ` +
        '(pick one inside, e.g. 203.0.113.1/30 or 2001:db8:1::1/64)',
    );
  };
  if (family === undefined || extra !== undefined) return refuse('not an IPv4 or IPv6 address with an optional /prefix');
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return refuse(`bad prefix length "/${prefixText}"`);
  if (!allowed.check(address, family === 4 ? 'ipv4' : 'ipv6')) return refuse('outside the documentation ranges');
  if (prefix < (family === 4 ? 24 : 32)) return refuse(`the prefix /${prefix} reaches beyond the documentation range`);
  return { address, prefix, family };
}
