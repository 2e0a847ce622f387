// /proc/net/netlink as netlink-fd.ts reads it: protocol, port, joined groups, queued bytes, drops
// and inode per socket (the rows below are the layout a 6.18 kernel prints).
import { describe, expect, it } from 'vitest';
import { parseNetlinkTable } from '../../../daemon/src/kernel/netlink-fd.js';

const TABLE = `sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
00000000c5227cc8 12  0          00000000 0        0        0     2        0        5471205 
00000000057ff0c1 12  134230681  0000002f 1024     0        0     2        40796    5472369 
000000005197e4b3 0   4242       00000000 0        0        0     2        0        5472328 
not a row
`;

describe('parseNetlinkTable', () => {
  it('reads protocol, port, the joined groups (hex bitmap), queued bytes, drops and inode; skips what does not parse', () => {
    expect(parseNetlinkTable(TABLE)).toEqual([
      { protocol: 12, port: 0, groups: 0, rmem: 0, drops: 0, inode: 5471205 },
      { protocol: 12, port: 134230681, groups: 0x2f, rmem: 1024, drops: 40796, inode: 5472369 },
      { protocol: 0, port: 4242, groups: 0, rmem: 0, drops: 0, inode: 5472328 },
    ]);
  });
});
