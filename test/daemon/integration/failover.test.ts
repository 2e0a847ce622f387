// Failover driven the way keepalived drives it, through the notify FIFO of each node, with two
// real half-syncd in network namespaces and real NATed connections through fwa. On MASTER, fwb
// commits fwa's connections into its kernel (same tuples, NAT, state, mark, zone as fwa had),
// re-reads its own table, becomes the sender and turns the takeover guard off; fwa, on FAULT
// then BACKUP, stops sending, keeps the guard on, purges its stale entries after the purge delay
// (its own connections stay) and follows fwb's stream, which now replicates fwb's new flows.
import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLab, guardIsOn, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, listFlows, replicable, tableLines } from './fixtures/conntrack-table.js';
import { waitFor } from './fixtures/syncd-node.js';
import { openConnections, startEchoServer } from './fixtures/traffic.js';

const keep = replicable(OWN_ADDRESSES);

describe('failover through keepalived\'s notify FIFO', () => {
  let lab: ClusterLab;
  let before: string[];

  beforeAll(async () => {
    lab = await clusterLab({ label: 'syncfo', traffic: true });
    await Promise.all([lab.a.start(), lab.b.start()]);
    await lab.a.notify('MASTER', 'half_lan0', 150);
    await lab.b.notify('BACKUP');
    await startEchoServer(lab.net, 'server', '198.51.100.2', 8080, 5353);
    await openConnections(lab.net, 'client', '198.51.100.2', 8080, 5353, 30, 10);
    await openConnections(lab.net, 'fwa', '198.51.100.2', 8080, 5353, 2, 1);
    await conntrackBatch(lab.net, 'fwa', batchLines(300, 0));
    await waitFor('fwb holding fwa\'s table', async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.node.role === 'sender' && a.tables.internal === 340 && b.tables.external === 340;
    });
    before = tableLines(await listFlows(lab.net, 'fwa'), keep);
    expect(before.length).toBe(340);
  });
  afterAll(() => lab?.cleanup());

  it('arms the takeover guard on the standby and leaves it off on the master', async () => {
    expect(await guardIsOn(lab.net, 'fwb')).toBe(true);
    expect(await guardIsOn(lab.net, 'fwa')).toBe(false);
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toEqual([]);
  });

  it('on MASTER commits the peer\'s connections, becomes the sender and lifts the guard', async () => {
    // another writer died in mid-line: keepalived's next line is glued to its fragment
    await appendFile(lab.b.fifo, 'INSTANCE "half_lan0" BAC');
    await lab.b.notify('MASTER');
    await waitFor('fwb committed and sending', async () => {
      const b = await lab.b.status();
      return b.node.ha === 'MASTER' && b.node.role === 'sender' && b.commits.count === 1 && !(await guardIsOn(lab.net, 'fwb'));
    });
    const b = await lab.b.status();
    expect(b.commits.last).toMatchObject({ entries: 340, created: 340, failed: 0 });
    expect(b.commits.durationMs.count).toBe(1);
    expect(b.tables.internal).toBe(340);
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toEqual(before);
    expect(lab.b.output).toMatch(/external cache committed to the kernel reason=failover entries=340 created=340 replaced=0 updated=0 failed=0 ms=/);
    expect(b.counters.kernel).toMatchObject({ notifyFifoLinesMalformed: 1, notifyFifoLinesOverlong: 0 });
    expect(lab.b.output).toContain('an unfinished line from another writer was dropped before INSTANCE \\"half_lan0\\" MASTER');
  });

  it('on FAULT then BACKUP stops sending, keeps the guard on, purges stale entries and follows the new master', async () => {
    await lab.a.notify('FAULT', 'half_lan0', 0);
    await waitFor('fwa receiving, guard on', async () => {
      const a = await lab.a.status();
      return a.node.ha === 'FAULT' && a.node.role === 'receiver' && (await guardIsOn(lab.net, 'fwa'));
    });
    await lab.a.notify('BACKUP');
    await waitFor('fwa purged its stale entries', async () => (await lab.a.status()).counters.kernel['purgePurges'] === 1);
    const left = await listFlows(lab.net, 'fwa');
    expect(left.filter(keep)).toEqual([]);
    // its own connections (fwa -> server) are not replicated, so not purged
    expect(left.filter((f) => f.orig.src === '198.51.100.1' && f.orig.proto === 6).length).toBe(2);
    await waitFor('fwa holding fwb\'s table', async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.node.ha === 'BACKUP' && b.tables.internal === 340 && a.peers.find((p) => p.nodeId === 2)?.externalEntries === 340;
    });
    expect(lab.a.output).toMatch(/stale kernel entries purged deleted=340 failed=0/);
  });

  it('replicates the new master\'s new flows to the old one', async () => {
    await conntrackBatch(lab.net, 'fwb', batchLines(25, 5000));
    await waitFor('fwa holding fwb\'s new flows', async () => {
      const a = await lab.a.status();
      return a.tables.external === 365;
    });
    await lab.a.request({ cmd: 'commit' });
    expect(tableLines(await listFlows(lab.net, 'fwa'), keep)).toEqual(tableLines(await listFlows(lab.net, 'fwb'), keep));
  });

  it('empties, as the sender, its copy of a peer that no longer sends: a later flap back to MASTER brings none of it back', async () => {
    // fwb took over while fwa still sent (above), then fwa stepped down: fwb's copy of fwa is
    // frozen since, and fwb, the sender, empties it (fwa was the sender alongside fwb for a
    // moment: what its copy took in meanwhile would be merged first; its connections came
    // before, and fwb's takeover committed them)
    await waitFor('fwb\'s copy of fwa emptied', async () => (await lab.b.status()).peers.find((p) => p.nodeId === 1)?.externalEntries === 0, 15_000);
    expect(lab.b.output).toMatch(/copies of peers that no longer send emptied: this node is the sender nodes=1 entries=340/);
    // fwa replicated nothing new after fwb's takeover began: nothing to merge
    expect((await lab.b.status()).counters.kernel['frozenCopyMerges']).toBe(0);
    const commits = (await lab.b.status()).commits.count;
    // fwa dies; fwb flaps (keepalived restarted, say): its commit has nothing of fwa's left to write
    expect(await lab.a.stop()).toBe(0);
    await waitFor('fwa silent for fwb', async () => (await lab.b.status()).peers.find((p) => p.nodeId === 1)?.state === 'down', 10_000);
    await lab.b.notify('BACKUP');
    await lab.b.notify('MASTER');
    await waitFor('fwb\'s second commit', async () => {
      const b = await lab.b.status();
      return b.node.ha === 'MASTER' && b.node.role === 'sender' && b.commits.count === commits + 1 && !(await guardIsOn(lab.net, 'fwb'));
    });
    expect((await lab.b.status()).commits.last).toMatchObject({ entries: 0, failed: 0 });
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toHaveLength(365);
  });

  it('keeps its entries when a purge falls due while no peer is the sender (nobody took them over)', async () => {
    // fwa is dead (above): fwb, the only master, loses its own link for longer than the purge delay
    await lab.b.notify('FAULT', 'half_lan0', 0);
    await waitFor('fwb\'s purge skipped', async () => ((await lab.b.status()).counters.kernel['purgeSkipped'] ?? 0) >= 1);
    expect(lab.b.output).toMatch(/stale purge skipped: no peer is the sender/);
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toHaveLength(365);
  });
});
