// The NETLINK_NETFILTER sockets this process holds (its descriptors matched to /proc's netlink
// table by inode), with the port each is bound to and the groups it joined.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseNetlinkTable, type NetlinkSocketRow } from '../../../../daemon/src/kernel/netlink-fd.js';

export function ownNetfilterSockets(): NetlinkSocketRow[] {
  const inodes = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m !== null) inodes.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return parseNetlinkTable(readFileSync('/proc/self/net/netlink', 'utf8')).filter((row) => row.protocol === 12 && inodes.has(row.inode));
}
