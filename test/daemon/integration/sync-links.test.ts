// The sync link shapes half.conf allows, with two real half-syncd in network namespaces
// (fixtures/cluster-lab.ts), each with HALF's nftables rules for that config: a multicast group
// instead of peers, and a second link ([sync2]) that takes over when the first goes down. In both,
// conntrack -R batches on fwa reach fwb, and a commit on fwb recreates fwa's table exactly.
import { afterEach, describe, expect, it } from 'vitest';
import { clusterLab, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, listFlows, replicable, tableLines } from './fixtures/conntrack-table.js';
import { waitFor } from './fixtures/syncd-node.js';

const keep = replicable(OWN_ADDRESSES);

let lab: ClusterLab | undefined;
afterEach(async () => {
  await lab?.cleanup();
  lab = undefined;
});

async function started(made: ClusterLab): Promise<ClusterLab> {
  lab = made;
  await Promise.all([made.a.start(), made.b.start()]);
  await made.a.notify('MASTER', 'half_lan0', 150);
  await made.b.notify('BACKUP');
  await waitFor('fwa sender, fwb following it', async () => {
    const [a, b] = await Promise.all([made.a.status(), made.b.status()]);
    return a.node.role === 'sender' && b.peers.some((p) => p.nodeId === 1 && p.joined);
  });
  return made;
}

async function holding(made: ClusterLab, count: number): Promise<void> {
  await waitFor(`fwb holding fwa's ${count} entries`, async () => {
    const [a, b] = await Promise.all([made.a.status(), made.b.status()]);
    return a.tables.internal === count && a.stream.resendQueue === 0 && b.tables.external === count;
  }, 30_000);
}

async function commitAndCompare(made: ClusterLab): Promise<void> {
  await made.net.exec('fwb', ['conntrack', '-F'], { check: true });
  const summary = (await made.b.request({ cmd: 'commit' })) as { entries: number; failed: number };
  expect(summary.failed).toBe(0);
  expect(tableLines(await listFlows(made.net, 'fwb'), keep)).toEqual(tableLines(await listFlows(made.net, 'fwa'), keep));
}

describe('half-syncd over the sync links half.conf allows', () => {
  it('replicates over a multicast group', async () => {
    const group = { multicastGroup: '239.192.0.1' };
    const made = await started(await clusterLab({ label: 'syncmc', a: group, b: group }));
    await conntrackBatch(made.net, 'fwa', batchLines(300, 0));
    await holding(made, 300);
    await commitAndCompare(made);
  });

  it('goes on over the second link when the first goes down, and says so', async () => {
    const made = await started(await clusterLab({ label: 'sync2l', secondLink: true }));
    await conntrackBatch(made.net, 'fwa', batchLines(200, 0));
    await holding(made, 200);
    expect(made.a.output).not.toMatch(/sync link switched/);
    // the first link fails on fwa's side: its sends fail, and fwb hears nothing on it
    await made.net.exec('fwa', ['ip', 'link', 'set', 'sync0', 'down'], { check: true });
    await conntrackBatch(made.net, 'fwa', batchLines(100, 200));
    await holding(made, 300);
    await waitFor('both nodes on sync1', () => /sync link switched.*to=sync1/.test(made.a.output) && /sync link switched.*to=sync1/.test(made.b.output), 10_000);
    await commitAndCompare(made);
  });
});
