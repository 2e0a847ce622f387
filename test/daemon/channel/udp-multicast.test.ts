// UDP multicast on a namespace-only LAN: three nodes in their own namespaces, each with a veth to
// a bridge in a fourth namespace (203.0.113.0/29, group 239.192.0.1, TTL 1). One sender
// replicates to two receivers through the group; the source address each receiver sees is the
// sender's unicast address (the only kind the protocol accepts); nobody receives its own frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab } from './netns-lab.js';
import type { PeerProcess } from './netns-lab.js';

const PORT = 3781;
const GROUP = '239.192.0.1';
const ADDRESSES = ['203.0.113.1', '203.0.113.2', '203.0.113.3'];

describe('UdpMulticastChannel (real UDP in network namespaces)', () => {
  const lab = new NetnsLab();
  const peers: PeerProcess[] = [];

  beforeAll(async () => {
    const lan = await lab.namespace('lan');
    await lab.ip(lan, 'link', 'add', 'br0', 'type', 'bridge');
    await lab.ip(lan, 'link', 'set', 'br0', 'up');
    for (const [i, address] of ADDRESSES.entries()) {
      const ns = await lab.namespace(`n${i + 1}`);
      await lab.veth({ ns, name: 'sync0', address }, { ns: lan, name: `port${i + 1}` }, 29);
      await lab.ip(lan, 'link', 'set', `port${i + 1}`, 'master', 'br0');
      peers.push(
        lab.peer(ns, {
          nodeId: i + 1,
          epoch: 9,
          role: i === 0 ? 'sender' : 'receiver',
          records: i === 0 ? 2000 : 0,
          seed: 12,
          accept: ADDRESSES,
          transport: { kind: 'multicast', group: GROUP, iface: address, port: PORT },
        }),
      );
    }
    for (const peer of peers) await peer.next('ready');
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it('replicates through the group to every receiver', async () => {
    const [sender, ...receivers] = peers as [PeerProcess, ...PeerProcess[]];
    sender.send({ op: 'changes', count: 1500 });
    await sender.next('changed');
    const expected = (await sender.status()).internal;
    for (const receiver of receivers) {
      const status = await receiver.until((s) => s.external['1']?.digest === expected.digest);
      expect(status.external['1']).toEqual(expected);
      // Had the source been anything but 203.0.113.1 (the group, another address), every frame
      // would have been dropped as wrongSource and nothing replicated.
      expect(status.counters.drops.wrongSource).toBe(0);
    }
  });

  it('does not deliver a node its own frames (loopback off)', async () => {
    for (const peer of peers) {
      // With loopback on, each node would see frames carrying its own node id (ownNodeId).
      expect((await peer.status()).counters.drops.ownNodeId).toBe(0);
    }
  });
});

describe('UdpMulticastChannel over IPv6 link-local multicast (ff02::/16)', () => {
  const lab = new NetnsLab();
  const peers: PeerProcess[] = [];
  const LINK_LOCAL = ['fe80::1', 'fe80::2'];

  beforeAll(async () => {
    const names = [await lab.namespace('v6a'), await lab.namespace('v6b')];
    await lab.veth({ ns: names[0] as string, name: 'sync0' }, { ns: names[1] as string, name: 'sync0' }, 64);
    for (const [i, ns] of names.entries()) {
      // Fixed link-local addresses only (no generated ones, no duplicate address detection delay).
      await lab.ip(ns, 'link', 'set', 'sync0', 'down');
      await lab.ip(ns, 'link', 'set', 'sync0', 'addrgenmode', 'none');
      await lab.ip(ns, '-6', 'addr', 'add', `${LINK_LOCAL[i]}/64`, 'dev', 'sync0', 'nodad');
      await lab.ip(ns, 'link', 'set', 'sync0', 'up');
      peers.push(
        lab.peer(ns, {
          nodeId: i + 1,
          epoch: 4,
          role: i === 0 ? 'sender' : 'receiver',
          records: i === 0 ? 1000 : 0,
          seed: 14,
          accept: LINK_LOCAL,
          transport: { kind: 'multicast', group: 'ff02::4841:4c46', iface: 'sync0', port: PORT },
        }),
      );
    }
    for (const peer of peers) await peer.next('ready');
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it('replicates through the link-local group', async () => {
    const [sender, receiver] = peers as [PeerProcess, PeerProcess];
    sender.send({ op: 'changes', count: 500 });
    await sender.next('changed');
    const expected = (await sender.status()).internal;
    const status = await receiver.until((s) => s.external['1']?.digest === expected.digest);
    expect(status.external['1']).toEqual(expected);
    expect(status.counters.drops.wrongSource).toBe(0);
  });
});
