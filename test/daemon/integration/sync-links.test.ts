// The sync link shapes half.conf allows, with two real half-syncd in network namespaces
// (fixtures/cluster-lab.ts), each with HALF's nftables rules for that config: a multicast group
// instead of peers, and a second link ([sync2]) that takes over when the first goes down, or
// fails in one direction only (fwb's heartbeats there say it hears nothing). In all,
// conntrack -R batches on fwa reach fwb, and a commit on fwb recreates fwa's table exactly.
import { afterEach, describe, expect, it } from 'vitest';
import { clusterLab, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, replicable } from './fixtures/conntrack-table.js';
import { commitOnStandbyAndCompare, standbyHolds, startPrimaryAndStandby } from './fixtures/pair-steps.js';
import { waitFor } from './fixtures/syncd-node.js';

const keep = replicable(OWN_ADDRESSES);

let lab: ClusterLab | undefined;
afterEach(async () => {
  await lab?.cleanup();
  lab = undefined;
});

/** The lab, cleaned up after the test, with fwa MASTER and fwb following it. */
async function started(made: ClusterLab): Promise<ClusterLab> {
  lab = made;
  await startPrimaryAndStandby(made);
  return made;
}

describe('half-syncd over the sync links half.conf allows', () => {
  it('replicates over a multicast group', async () => {
    const group = { multicastGroup: '239.192.0.1' };
    const made = await started(await clusterLab({ label: 'syncmc', a: group, b: group }));
    await conntrackBatch(made.net, 'fwa', batchLines(300, 0));
    await standbyHolds(made, 300, 30_000);
    expect(await commitOnStandbyAndCompare(made, keep)).toHaveLength(300);
    expect((await made.b.status()).syncLinks).toBeUndefined(); // one link
  });

  it('goes on over the second link when the first goes down, and says so', async () => {
    const made = await started(await clusterLab({ label: 'sync2l', secondLink: true }));
    await conntrackBatch(made.net, 'fwa', batchLines(200, 0));
    await standbyHolds(made, 200, 30_000);
    expect(made.a.output).not.toMatch(/sync link switched/);
    expect((await made.a.status()).syncLinks).toMatchObject({ switches: 0, links: [{ interface: 'sync0', active: true }, { interface: 'sync1', active: false }] });
    // the first link fails on fwa's side: its sends fail, and fwb hears nothing on it
    await made.net.exec('fwa', ['ip', 'link', 'set', 'sync0', 'down'], { check: true });
    await conntrackBatch(made.net, 'fwa', batchLines(100, 200));
    await standbyHolds(made, 300, 30_000);
    await waitFor('both nodes on sync1', () => /sync link switched.*to=sync1/.test(made.a.output) && /sync link switched.*to=sync1/.test(made.b.output), 10_000);
    // and half status shows it
    const links = (await made.a.status()).syncLinks;
    expect(links).toMatchObject({ switches: 1, links: [{ interface: 'sync0', active: false }, { interface: 'sync1', active: true }] });
    expect(links?.links[0]?.sendErrors).toBeGreaterThan(0);
    expect(await commitOnStandbyAndCompare(made, keep)).toHaveLength(300);
  });

  it('moves both nodes to the second link when the first fails one way only (fwa still hears fwb there)', async () => {
    const made = await started(await clusterLab({ label: 'sync1w', secondLink: true }));
    await conntrackBatch(made.net, 'fwa', batchLines(200, 0));
    await standbyHolds(made, 200, 30_000);
    // fwb drops what fwa sends on sync0; fwb's own frames there still reach fwa, and no send fails
    await made.net.exec('fwb', ['nft', '-f', '-'], { input: 'table inet half_test_oneway {\n  chain input {\n    type filter hook input priority -300; policy accept;\n    iifname "sync0" ip saddr 203.0.113.1 drop\n  }\n}\n', check: true });
    await conntrackBatch(made.net, 'fwa', batchLines(100, 200));
    await standbyHolds(made, 300, 30_000);
    await waitFor('both nodes on sync1', () => /sync link switched.*to=sync1/.test(made.a.output) && /sync link switched.*to=sync1/.test(made.b.output), 10_000);
    expect(made.a.output).toMatch(/sync link switched.*hears nothing from this node on it/);
    expect((await made.a.status()).syncLinks?.links[0]?.sendErrors).toBe(0);
    expect(await commitOnStandbyAndCompare(made, keep)).toHaveLength(300);
  });
});
