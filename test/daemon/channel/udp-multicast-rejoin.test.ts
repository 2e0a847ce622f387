// A multicast sync link whose interface is deleted and made again (ifdown/ifup of a VLAN or a
// bond, here a veth pair recreated under the same names and addresses): the membership, the
// sending interface and an IPv6 bind held the old interface's index, so the link went silent for
// good. The channel now sees the new index and joins the group anew: frames flow both ways again.
// Real UDP between two namespaces, IPv4 and IPv6 link-local groups.
import { afterAll, describe, expect, it } from 'vitest';
import { NetnsLab } from './netns-lab.js';
import type { PeerProcess } from './netns-lab.js';

const FIXTURE = 'test/daemon/channel/fixtures/multicast-end.ts';

/** Sends `tag` from `from` until `to` hears it (up to 30 s); true when it did. */
async function heard(from: PeerProcess, to: PeerProcess, tag: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    from.send({ op: 'send', tag });
    try {
      if ((await to.next('message', 300)).tag === tag) return true;
    } catch {
      // not yet
    }
  }
  return false;
}

describe.each([
  { family: 'IPv4', group: '239.192.0.7', addresses: ['203.0.113.1', '203.0.113.2'] },
  { family: 'IPv6', group: 'ff02::4841:4c47', addresses: ['fe80::1', 'fe80::2'] },
])('UdpMulticastChannel on an interface made again ($family)', ({ family, group, addresses }) => {
  const lab = new NetnsLab();
  afterAll(async () => {
    await lab.cleanup();
  });

  /** The veth pair sync0 <-> sync0 between the namespaces, addressed and up. */
  async function link(names: readonly string[]): Promise<void> {
    await lab.ip(names[0]!, 'link', 'add', 'sync0', 'type', 'veth', 'peer', 'name', 'sync0', 'netns', names[1]!);
    for (const [i, ns] of names.entries()) {
      if (family === 'IPv4') await lab.ip(ns, 'addr', 'add', `${addresses[i]}/24`, 'dev', 'sync0');
      else {
        // a fixed link-local address only: no generated one, no duplicate address detection
        await lab.ip(ns, 'link', 'set', 'sync0', 'addrgenmode', 'none');
        await lab.ip(ns, '-6', 'addr', 'add', `${addresses[i]}/64`, 'dev', 'sync0', 'nodad');
      }
      await lab.ip(ns, 'link', 'set', 'sync0', 'up');
    }
  }

  it('joins the group again on the new interface, and frames flow both ways', async () => {
    const names = [await lab.namespace('a'), await lab.namespace('b')];
    await link(names);
    const ends = names.map((ns, i) =>
      lab.peer(ns, { group, port: 3785, interface: family === 'IPv4' ? addresses[i] : 'sync0', ifname: 'sync0', watchEveryMs: 200 }, FIXTURE),
    ) as [PeerProcess, PeerProcess];
    for (const end of ends) await end.next('ready');
    expect(await heard(ends[0], ends[1], 'before')).toBe(true);

    await lab.ip(names[0]!, 'link', 'del', 'sync0');
    await link(names);
    expect(await heard(ends[0], ends[1], 'after')).toBe(true);
    expect(await heard(ends[1], ends[0], 'after')).toBe(true);
    for (const end of ends) expect(await end.next('rejoined')).toEqual({ type: 'rejoined', rejoins: 1 });
  });
});
