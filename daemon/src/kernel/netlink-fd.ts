// The file descriptor of one of this process's netlink sockets. The `netlink` binding keeps its
// descriptor to itself; the event pump needs it to read datagrams with plain read(2)
// (pump-output.ts). And the other way round, what the kernel says of the socket behind a
// descriptor: how many messages it dropped for it (an event socket's overruns in full). procfs
// has both halves: /proc/self/net/netlink lists this namespace's netlink sockets with their
// protocol, port id, drops and inode, and each /proc/self/fd/N of a socket links to
// "socket:[inode]".
//
// Spec: proc(5) (/proc/[pid]/fd, /proc/net/netlink; columns from netlink_seq_show in
// net/netlink/af_netlink.c: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface NetlinkSocketRow {
  /** Netlink protocol (NETLINK_NETFILTER = 12). */
  readonly protocol: number;
  /** Port id (nl_pid) the socket is bound to. */
  readonly port: number;
  /** Bitmap of the first 32 multicast groups it joined (0: none). */
  readonly groups: number;
  /** Bytes waiting in its receive queue. */
  readonly rmem: number;
  /** Messages the kernel dropped for it, reported or not (sk_drops). */
  readonly drops: number;
  readonly inode: number;
}

/** Rows of /proc/net/netlink; lines that do not parse are skipped. Pure. */
export function parseNetlinkTable(text: string): NetlinkSocketRow[] {
  const rows: NetlinkSocketRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [protocol, port, groups, rmem, drops, inode] = [Number(f[1]), Number(f[2]), Number.parseInt(f[3] as string, 16), Number(f[4]), Number(f[8]), Number(f[9])];
    if ([protocol, port, groups, rmem, drops, inode].every(Number.isSafeInteger)) rows.push({ protocol, port, groups, rmem, drops, inode });
  }
  return rows;
}

/** The descriptor (in this process) of the netlink socket of `protocol` bound to `port`; undefined if not found. */
export function netlinkSocketFd(protocol: number, port: number): number | undefined {
  let rows: NetlinkSocketRow[];
  try {
    rows = parseNetlinkTable(readFileSync('/proc/self/net/netlink', 'utf8'));
  } catch {
    return undefined;
  }
  const row = rows.find((r) => r.protocol === protocol && r.port === port);
  if (row === undefined) return undefined;
  const link = `socket:[${row.inode}]`;
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === link) return Number(name);
    } catch {
      // closed meanwhile (the directory listing's own descriptor, for one)
    }
  }
  return undefined;
}

/** Messages the kernel has dropped for the netlink socket behind `fd` (this process's); undefined if it cannot tell. */
export function netlinkDropsOfFd(fd: number): number | undefined {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
    if (m === null) return undefined;
    const inode = Number(m[1]);
    return parseNetlinkTable(readFileSync('/proc/self/net/netlink', 'utf8')).find((row) => row.inode === inode)?.drops;
  } catch {
    return undefined;
  }
}
