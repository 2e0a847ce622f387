// A split brain, ended: both firewalls MASTER at once (the VRRP path broke, the sync link did
// not), each serving its own connections and holding the other's copy. keepalived then demotes
// fwb; fwa stays MASTER and never takes over, so no takeover commit writes fwb's connections into
// its kernel. fwa, the sender, merges fwb's copy once fwb stops sending: what its kernel lacks is
// created, what it holds (a connection both served, with another mark here) is kept as it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLab, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, flowLine, listFlows, replicable, tableLines } from './fixtures/conntrack-table.js';
import { waitFor } from './fixtures/syncd-node.js';
import type { OracleFlow } from '../kernel/helpers/conntrack-oracle.js';

const keep = replicable(OWN_ADDRESSES);
/** One connection both nodes hold, with a mark of each node's own. */
const shared = (mark: number): string => `-I -s 192.0.2.250 -d 198.51.100.250 -p tcp --sport 40000 --dport 443 --state ESTABLISHED -t 3600 -u SEEN_REPLY,ASSURED --mark ${mark}\n`;
const sharedLine = (flows: readonly OracleFlow[]): string | undefined => flows.filter((f) => f.orig.src === '192.0.2.250').map(flowLine)[0];

describe('the end of a split brain: the MASTER that stays merges the demoted one\'s connections', () => {
  let lab: ClusterLab;

  beforeAll(async () => {
    lab = await clusterLab({ label: 'syncsb' });
    await Promise.all([lab.a.start(), lab.b.start()]);
    await lab.a.notify('MASTER', 'half_lan0', 150);
    await lab.b.notify('MASTER', 'half_lan0', 100);
    await waitFor('both sending', async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.node.role === 'sender' && b.node.role === 'sender';
    });
    await conntrackBatch(lab.net, 'fwa', batchLines(120, 0) + shared(1));
    await conntrackBatch(lab.net, 'fwb', batchLines(80, 1000) + shared(2));
    await waitFor('each holding the other\'s copy', async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.peers.find((p) => p.nodeId === 2)?.externalEntries === 81 && b.peers.find((p) => p.nodeId === 1)?.externalEntries === 121;
    });
  });
  afterAll(() => lab?.cleanup());

  it('creates, once fwb steps down, the connections only fwb served, and keeps fwa\'s own', async () => {
    const bOnly = tableLines(await listFlows(lab.net, 'fwb'), keep).filter((line) => !line.includes('192.0.2.250'));
    expect(bOnly).toHaveLength(80);
    expect(tableLines(await listFlows(lab.net, 'fwa'), keep)).toHaveLength(121);
    // both took over (an empty commit each) when they became MASTER
    expect((await lab.a.status()).commits.count).toBe(1);
    await lab.b.notify('BACKUP', 'half_lan0', 100);
    // merged, the copy is emptied: a later commit here will not write it again
    await waitFor('fwa merged fwb\'s copy and emptied it', async () => {
      const a = await lab.a.status();
      return a.counters.kernel['frozenCopyMerges'] === 1 && a.peers.find((p) => p.nodeId === 2)?.externalEntries === 0;
    }, 15_000);
    const after = await listFlows(lab.net, 'fwa');
    const lines = tableLines(after, keep);
    expect(lines).toHaveLength(201);
    expect(lines).toEqual(expect.arrayContaining(bOnly));
    expect(sharedLine(after)).toMatch(/ mark=1 /);
    const status = await lab.a.status();
    // a merge is no takeover: the commit figures stay the takeover's
    expect(status.commits.count).toBe(1);
    expect(status.commits.last).toMatchObject({ entries: 0 });
    expect(status.counters.kernel).toMatchObject({ frozenCopyMerges: 1, frozenCopyMergeFailures: 0 });
    // the shared connection, which fwa's own table holds, is left out: create-only keeps fwa's
    expect(lab.a.output).toMatch(/external cache committed to the kernel reason=merge origins=2 kept=0 entries=80 created=80 replaced=0 updated=0 failed=0/);
    // and fwa, the sender, replicates what it merged to fwb
    await waitFor('fwb holding fwa\'s whole table', async () => (await lab.b.status()).peers.find((p) => p.nodeId === 1)?.externalEntries === 201);
  });
});
