// The index the kernel gave a network interface (sysfs of this network namespace), or undefined
// while there is no interface of that name. An interface deleted and made again (ifdown/ifup of a
// VLAN or bond, a veth recreated) keeps its name and gets a new index; a multicast membership,
// IP_MULTICAST_IF and an IPv6 bind scoped to it still name the old one.
import { readFile } from 'node:fs/promises';

export async function interfaceIndex(ifname: string): Promise<number | undefined> {
  try {
    const index = Number((await readFile(`/sys/class/net/${ifname}/ifindex`, 'utf8')).trim());
    return Number.isInteger(index) && index > 0 ? index : undefined;
  } catch {
    return undefined;
  }
}
