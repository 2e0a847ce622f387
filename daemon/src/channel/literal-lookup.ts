// The address lookup of the sync sockets. Node's default (dns.lookup) answers an IP literal on
// the next tick, so every datagram sent went through a turn of the tick queue before its
// sendmsg(2); sync addresses are IP literals (half.conf allows nothing else), answered here at
// once, in the send call. Anything else still goes to dns.lookup.
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** dgram's `lookup` option: dgram passes the socket's family (4 or 6) as the options. */
export function literalLookup(hostname: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}
