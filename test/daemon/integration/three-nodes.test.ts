// Three firewalls on one sync segment (a bridge), each a real half-syncd unicasting to the two
// others, every sender with its own sequence space. fwa serves; fwb takes over while fwa still
// sends (the moment of a takeover before the old master steps down), fwa serves one more
// connection, then steps down and stays up as a standby. fwc keeps fwa's copy: fwa sent after
// fwb became the sender, so fwb's full resync lacked what fwa served last (fwb merges it). fwb changes a connection both copies hold,
// then dies; fwc takes over: its kernel must end with fwb's table, that connection as fwb had it
// (copies are committed peer by peer, the one that stopped sending longest ago first: fwa's,
// though fwa is heard still). Then fwc is the sender, and fwa, a receiver, empties its copy of
// the dead fwb once fwc's full resync has ended: that resync holds what fwc took over of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNftRuleset } from '../../../daemon/src/config/nft-ruleset.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { createNamespaces, type NamespaceSet } from '../../helpers/netns.js';
import { requireTool } from '../../helpers/tools.js';
import { NAT_RULESET } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, flowLine, listFlows, replicable, tableLines } from './fixtures/conntrack-table.js';
import { sharedKeyHex, SyncdNode, waitFor } from './fixtures/syncd-node.js';

const SYNC = { fwa: '203.0.113.1', fwb: '203.0.113.2', fwc: '203.0.113.3' } as const;
type Fw = keyof typeof SYNC;
const keep = replicable(['127.0.0.1', ...Object.values(SYNC)]);
/** One connection that fwa served with mark 1 and fwb, after its takeover, changed to mark `mark`. */
const sharedInsert = (mark: number): string => `-I -s 192.0.2.250 -d 198.51.100.250 -p tcp --sport 40000 --dport 443 --state ESTABLISHED -t 3600 -u SEEN_REPLY,ASSURED --mark ${mark}\n`;
const sharedMark = ['-U', '-s', '192.0.2.250', '-d', '198.51.100.250', '-p', 'tcp', '--sport', '40000', '--dport', '443', '--mark'];

describe('three nodes: takeovers from a sender that stepped down late and from one that died', () => {
  let net: NamespaceSet;
  const nodes = new Map<Fw, SyncdNode>();
  const node = (fw: Fw): SyncdNode => nodes.get(fw) as SyncdNode;
  /** What node `fw` holds of peer `id` (its copy's size), or undefined when it never heard it. */
  const copyOf = async (fw: Fw, id: number): Promise<number | undefined> => (await node(fw).status()).peers.find((p) => p.nodeId === id)?.externalEntries;
  const sending = async (fw: Fw): Promise<boolean> => {
    const status = await node(fw).status();
    return status.node.role === 'sender' && status.kernelEvents?.subscribed === true;
  };

  beforeAll(async () => {
    for (const tool of ['conntrack', 'nft', 'ip']) requireTool(tool);
    net = createNamespaces('sync3');
    await net.addNs('sw');
    const ports: string[] = [];
    for (const fw of Object.keys(SYNC) as Fw[]) {
      await net.addNs(fw);
      await net.veth(fw, 'sync0', 'sw', `p${fw}`);
      ports.push(`p${fw}`);
      await net.addr(fw, 'sync0', `${SYNC[fw]}/29`);
      await net.exec(fw, ['sysctl', '-qw', 'net.netfilter.nf_conntrack_udp_timeout=3600', 'net.netfilter.nf_conntrack_events=1'], { check: true });
    }
    await net.bridge('sw', 'br0', ports);
    const key = await sharedKeyHex();
    for (const [n, fw] of (Object.keys(SYNC) as Fw[]).entries()) {
      const peers = Object.entries(SYNC).filter(([other]) => other !== fw).map(([, address]) => address);
      // a long purge delay: fwa, once a standby, keeps its kernel's entries through the test
      const created = await SyncdNode.create(net, { ns: fw, id: n + 1, role: n === 0 ? 'primary' : 'backup', syncAddress: SYNC[fw], peers, filter: 'protocols = tcp udp', purgeDelay: 600 }, key);
      nodes.set(fw, created);
      const config = validateHalfConf(created.confText(), created.confFile, { writableDirs: [`${created.stateDir}/`] });
      await net.exec(fw, ['nft', '-f', '-'], { input: NAT_RULESET + renderNftRuleset(config), check: true });
    }
    await Promise.all([...nodes.values()].map((n) => n.start()));
    await node('fwa').notify('MASTER', 'half_lan0', 150);
    await node('fwb').notify('BACKUP', 'half_lan0', 120);
    await node('fwc').notify('BACKUP', 'half_lan0', 100);
  }, 120_000);
  afterAll(async () => {
    for (const n of nodes.values()) await n.stop().catch(() => undefined);
    await net?.cleanup();
    for (const n of nodes.values()) await n.remove();
  });

  it('replicates fwa\'s table to both standbys', async () => {
    await waitFor('fwa the sender, followed by both', async () => {
      if (!(await sending('fwa'))) return false;
      return (await node('fwb').status()).peers.some((p) => p.nodeId === 1 && p.joined) && (await node('fwc').status()).peers.some((p) => p.nodeId === 1 && p.joined);
    });
    await conntrackBatch(net, 'fwa', batchLines(100, 0) + sharedInsert(1));
    await waitFor('fwb and fwc holding fwa\'s 101 connections', async () => (await copyOf('fwb', 1)) === 101 && (await copyOf('fwc', 1)) === 101);
  });

  it('fwb takes over while fwa still sends; fwc keeps fwa\'s copy beside fwb\'s, in two sequence spaces', async () => {
    await node('fwb').notify('MASTER', 'half_lan0', 120);
    await waitFor('fwb committed and sending', async () => (await sending('fwb')) && (await node('fwb').status()).commits.count === 1);
    expect((await node('fwb').status()).commits.last).toMatchObject({ entries: 101, created: 101, failed: 0 });
    await waitFor('fwc holding fwb\'s table', async () => (await copyOf('fwc', 2)) === 101);
    // fwa, still MASTER, serves one more connection: fwb's table lacks it until fwb merges it
    await conntrackBatch(net, 'fwa', `-I -s 192.0.2.251 -d 198.51.100.251 -p tcp --sport 40001 --dport 443 --state ESTABLISHED -t 3600 -u SEEN_REPLY,ASSURED --mark 5\n`);
    await waitFor('fwc holding fwa\'s last connection', async () => (await copyOf('fwc', 1)) === 102);
    await node('fwa').notify('BACKUP', 'half_lan0', 150);
    await waitFor('fwa a receiver, and fwb\'s merge of its copy replicated to fwc', async () => {
      if ((await node('fwa').status()).node.role !== 'receiver') return false;
      return (await node('fwb').status()).counters.kernel['frozenCopyMerges'] === 1 && (await copyOf('fwc', 2)) === 102;
    });
    // the change first, then new connections: once fwc holds them all and has acknowledged every
    // frame fwb sent, it holds the change too
    await net.exec('fwb', ['conntrack', ...sharedMark, '2'], { check: true });
    await conntrackBatch(net, 'fwb', batchLines(50, 1000));
    await waitFor('fwc and fwa holding fwb\'s 152 connections, every frame acknowledged', async () => {
      if ((await copyOf('fwc', 2)) !== 152 || (await copyOf('fwa', 2)) !== 152) return false;
      const peers = (await node('fwb').status()).peers;
      return peers.find((p) => p.nodeId === 3)?.lagFrames === 0 && peers.find((p) => p.nodeId === 1)?.lagFrames === 0;
    });
    // fwa sent after fwb became the sender: its copy stays, the shared connection with the old mark
    const c = await node('fwc').status();
    expect(await copyOf('fwc', 1)).toBe(102);
    expect(c.counters.sync['supersededCopies']).toBe(0);
    expect(c.tables.external).toBe(254);
  });

  it('fwc takes over from the dead fwb: its kernel ends with fwb\'s table, the connection both copies hold as fwb last had it', async () => {
    const expected = tableLines(await listFlows(net, 'fwb'), keep);
    expect(expected).toHaveLength(152);
    expect(expected.filter((line) => line.includes('192.0.2.250>198.51.100.250'))).toEqual([expect.stringContaining(' mark=2 ')]);
    await node('fwb').stop();
    // as when keepalived promotes fwc, seconds later: fwa, a standby, has been heard since
    await waitFor('fwa heard after fwb stopped', async () => {
      const peers = (await node('fwc').status()).peers;
      return (peers.find((p) => p.nodeId === 1)?.lastSeenMs ?? Infinity) < (peers.find((p) => p.nodeId === 2)?.lastSeenMs ?? 0);
    });
    await node('fwc').notify('MASTER', 'half_lan0', 100);
    await waitFor('fwc committed and sending', async () => (await sending('fwc')) && (await node('fwc').status()).commits.count === 1);
    const c = await node('fwc').status();
    // one copy of each connection: fwb's, the later sender's (fwa's 102 are all in it too; a
    // commit never writes a key twice)
    expect(c.commits.last).toMatchObject({ entries: 152, created: 152, replaced: 0, updated: 0, failed: 0 });
    const flows = await listFlows(net, 'fwc');
    expect(tableLines(flows, keep)).toEqual(expected);
    expect(flows.filter((f) => f.orig.src === '192.0.2.250').map(flowLine)).toEqual([expect.stringContaining(' mark=2 ')]);
  });

  it('fwa, a receiver, empties its copy of the dead fwb once fwc\'s full resync has ended', async () => {
    await waitFor('fwa holding fwc\'s table, and its copy of fwb emptied', async () => {
      const a = await node('fwa').status();
      return a.peers.find((p) => p.nodeId === 3)?.externalEntries === 152 && a.peers.find((p) => p.nodeId === 2)?.externalEntries === 0;
    }, 30_000);
    const a = await node('fwa').status();
    expect(a.counters.sync).toMatchObject({ supersededCopies: 1, supersededEntries: 152 });
    expect(a.tables.external).toBe(152);
  });
});
