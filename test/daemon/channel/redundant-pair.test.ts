// A redundant pair of real links between two namespaces (veth pairs on 203.0.113.0/30 and
// 198.51.100.0/30): replication runs on link 0; when link 0 goes down (`ip link set down`) both
// nodes fail over to link 1 and replication carries on there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab } from './netns-lab.js';
import type { PeerProcess } from './netns-lab.js';

const PORT = 3782;
const LINK0 = ['203.0.113.1', '203.0.113.2'] as const;
const LINK1 = ['198.51.100.1', '198.51.100.2'] as const;

describe('RedundantPair (real UDP in network namespaces)', () => {
  const lab = new NetnsLab();
  let nsA = '';
  let sender: PeerProcess;
  let receiver: PeerProcess;

  beforeAll(async () => {
    nsA = await lab.namespace('a');
    const nsB = await lab.namespace('b');
    await lab.veth({ ns: nsA, name: 'sync0', address: LINK0[0] }, { ns: nsB, name: 'sync0', address: LINK0[1] }, 30);
    await lab.veth({ ns: nsA, name: 'sync1', address: LINK1[0] }, { ns: nsB, name: 'sync1', address: LINK1[1] }, 30);
    const common = { accept: [...LINK0, ...LINK1], seed: 13, epoch: 3 };
    const transport = (self: 0 | 1, other: 0 | 1) => ({
      kind: 'redundant',
      port: PORT,
      deadAfterMs: 600,
      links: [
        { local: LINK0[self], peers: [LINK0[other]] },
        { local: LINK1[self], peers: [LINK1[other]] },
      ],
    });
    sender = lab.peer(nsA, { ...common, nodeId: 1, role: 'sender', records: 2000, transport: transport(0, 1) });
    receiver = lab.peer(nsB, { ...common, nodeId: 2, role: 'receiver', records: 0, transport: transport(1, 0) });
    await sender.next('ready');
    await receiver.next('ready');
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it('replicates on the first link while both are up', async () => {
    const expected = (await sender.status()).internal;
    const status = await receiver.until((s) => s.external['1']?.digest === expected.digest);
    expect(status.external['1']).toEqual(expected);
    expect(status.link).toEqual({ active: 0, switches: 0 });
    expect((await sender.status()).link).toEqual({ active: 0, switches: 0 });
  });

  it('fails over to the second link when the first goes down, and keeps replicating', async () => {
    await lab.ip(nsA, 'link', 'set', 'sync0', 'down');
    sender.send({ op: 'changes', count: 3000 });
    await sender.next('changed');
    const expected = (await sender.status()).internal;
    const status = await receiver.until((s) => s.external['1']?.digest === expected.digest && s.link?.active === 1);
    expect(status.external['1']).toEqual(expected);
    expect(status.link?.active).toBe(1);
    const senderStatus = await sender.until((s) => s.link?.active === 1);
    expect(senderStatus.link?.active).toBe(1);
    expect(senderStatus.link?.switches).toBeGreaterThanOrEqual(1);
  });
});
