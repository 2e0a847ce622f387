// Which source addresses may send us sync frames: the configured peers' sync addresses. Sockets
// report IPv4 peers on dual-stack sockets as IPv4-mapped IPv6 (::ffff:203.0.113.1) and link-local
// IPv6 peers with a zone (fe80::1%sync0); both compare equal to the plain configured address.
import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';

export function normalizeAddress(address: string): string {
  let plain = address.trim().toLowerCase();
  const zone = plain.indexOf('%');
  if (zone >= 0) plain = plain.slice(0, zone);
  if (plain.startsWith('::ffff:') && isIP(plain.slice(7)) === 4) plain = plain.slice(7);
  return plain;
}

/** A predicate for SyncNode's acceptSource: true only for the given peer addresses. */
export function sourceFilter(addresses: Iterable<string>): (from: string) => boolean {
  const allowed = new Set<string>();
  for (const address of addresses) {
    const plain = normalizeAddress(address);
    if (isIP(plain) === 0) {
      throw new ConfigError(`sync peer address "${address}" is not an IP address`, {
        hint: 'list the sync addresses of the other nodes (IPv4 or IPv6, no host names)',
      });
    }
    allowed.add(plain);
  }
  return (from) => allowed.has(normalizeAddress(from));
}
