// UDP unicast between two network namespaces (veth pair on 203.0.113.0/29): a sender replicates
// its table to a receiver through real sockets, and an authentic frame from an address that is
// not a configured sync peer is dropped as wrongSource.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab } from './netns-lab.js';
import type { PeerProcess } from './netns-lab.js';

const PORT = 3780;
const A = '203.0.113.1';
const B = '203.0.113.2';
const ROGUE = '203.0.113.3';

describe('UdpUnicastChannel (real UDP in network namespaces)', () => {
  const lab = new NetnsLab();
  let sender: PeerProcess;
  let receiver: PeerProcess;

  beforeAll(async () => {
    const nsA = await lab.namespace('a');
    const nsB = await lab.namespace('b');
    await lab.veth({ ns: nsA, name: 'sync0', address: A }, { ns: nsB, name: 'sync0', address: B }, 29);
    // A second address on A's side that is not a sync peer.
    await lab.ip(nsA, 'addr', 'add', `${ROGUE}/29`, 'dev', 'sync0');
    const common = { accept: [A, B], seed: 11, epoch: 5 };
    sender = lab.peer(nsA, { ...common, nodeId: 1, role: 'sender', records: 3000, transport: { kind: 'unicast', local: A, peers: [B], port: PORT } });
    receiver = lab.peer(nsB, { ...common, nodeId: 2, role: 'receiver', records: 0, transport: { kind: 'unicast', local: B, peers: [A], port: PORT } });
    await sender.next('ready');
    await receiver.next('ready');
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it('replicates a table and a stream of changes to the peer', async () => {
    sender.send({ op: 'changes', count: 2000 });
    await sender.next('changed');
    const expected = (await sender.status()).internal;
    expect(expected.size).toBeGreaterThan(3000);
    const status = await receiver.until((s) => s.external['1']?.digest === expected.digest);
    expect(status.external['1']).toEqual(expected);
    expect(status.counters.recordsApplied).toBeGreaterThanOrEqual(expected.size);
  });

  it('drops an authentic frame from a non-sync source address', async () => {
    const before = (await receiver.status()).counters.drops.wrongSource ?? 0;
    sender.send({ op: 'rogue', bind: ROGUE, to: B });
    await sender.next('rogueSent');
    const after = await receiver.until((s) => (s.counters.drops.wrongSource ?? 0) > before);
    expect(after.counters.drops.wrongSource).toBe(before + 1);
    // The rogue frame claimed node 77: it must not have become a peer with a cache.
    expect(after.external['77']).toBeUndefined();
  });
});
