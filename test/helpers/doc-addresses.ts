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

/**
 * The address an `ip` command line gives an interface or a route (`addr add CIDR ...`,
 * `route add CIDR [via GW]`), checked as assertDocumentationCidr does; an IPv6 link-local
 * address (fe80::/64) is let through for an interface, as the sync link's scoped ff02:: groups
 * need one (test/helpers/README.md). Other command lines pass unchecked.
 */
export function assertIpArgs(args: readonly string[]): void {
  const verb = args.findIndex((arg, i) => (arg === 'add' || arg === 'replace') && i > 0 && /^(a|addr|address|r|ro|route)$/.test(args[i - 1] as string));
  if (verb < 0) return;
  const object = args[verb - 1] as string;
  const target = args[verb + 1];
  const linkLocal = target !== undefined && /^fe80::[0-9a-f:]*\/64$/i.test(target) && object.startsWith('a');
  if (target !== undefined && target !== 'default' && !linkLocal) assertDocumentationCidr(target);
  const via = args.indexOf('via', verb);
  if (via >= 0 && args[via + 1] !== undefined) assertDocumentationCidr(args[via + 1] as string);
}
