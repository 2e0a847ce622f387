// Three firewalls on one sync segment (a bridge), each a real half-syncd unicasting to the two
// others: every sender has its own sequence space, and a node takes over from a node that had
// itself taken over. fwa serves, then dies; fwb takes over and serves new connections and a
// changed one; fwb dies; fwc, which followed both streams and still holds fwa's copy (a receiver
// keeps a stopped sender's copy), takes over. Its kernel must end with fwb's table, the
// connection both copies hold as fwb last had it: copies are committed peer by peer, the one heard
// longest ago first, so the latest sender's version is the one left in the kernel.
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

describe('three nodes: a takeover from a node that had taken over', () => {
  let net: NamespaceSet;
  const nodes = new Map<Fw, SyncdNode>();
  const node = (fw: Fw): SyncdNode => nodes.get(fw) as SyncdNode;
  /** What node `fw` holds of peer `id` (its copy's size), or undefined when it never heard it. */
  const copyOf = async (fw: Fw, id: number): Promise<number | undefined> => (await node(fw).status()).peers.find((p) => p.nodeId === id)?.externalEntries;

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
      const created = await SyncdNode.create(net, { ns: fw, id: n + 1, role: n === 0 ? 'primary' : 'backup', syncAddress: SYNC[fw], peers, filter: 'protocols = tcp udp' }, key);
      nodes.set(fw, created);
      const config = validateHalfConf(created.confText(), created.confFile);
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
      const a = await node('fwa').status();
      return a.node.role === 'sender' && a.kernelEvents?.subscribed === true && (await node('fwb').status()).peers.some((p) => p.nodeId === 1 && p.joined) && (await node('fwc').status()).peers.some((p) => p.nodeId === 1 && p.joined);
    });
    await conntrackBatch(net, 'fwa', batchLines(100, 0) + sharedInsert(1));
    await waitFor('fwb and fwc holding fwa\'s 101 connections', async () => (await copyOf('fwb', 1)) === 101 && (await copyOf('fwc', 1)) === 101);
    expect(tableLines(await listFlows(net, 'fwb'), keep)).toEqual([]);
  });

  it('fwb takes over from the dead fwa and replicates its table, the changed connection included, to fwc in its own sequence space', async () => {
    await node('fwa').stop();
    await node('fwb').notify('MASTER', 'half_lan0', 120);
    await waitFor('fwb committed and sending', async () => {
      const b = await node('fwb').status();
      return b.node.role === 'sender' && b.commits.count === 1 && b.kernelEvents?.subscribed === true;
    });
    expect((await node('fwb').status()).commits.last).toMatchObject({ entries: 101, created: 101, failed: 0 });
    await waitFor('fwc following fwb', async () => (await node('fwc').status()).peers.some((p) => p.nodeId === 2 && p.joined));
    // the change first, then new connections: once fwc holds them all and has acknowledged every
    // frame fwb sent, it holds the change too
    await net.exec('fwb', ['conntrack', ...sharedMark, '2'], { check: true });
    await conntrackBatch(net, 'fwb', batchLines(50, 1000));
    await waitFor('fwc holding fwb\'s 151 connections, every frame acknowledged', async () => {
      if ((await copyOf('fwc', 2)) !== 151) return false;
      return (await node('fwb').status()).peers.find((p) => p.nodeId === 3)?.lagFrames === 0;
    });
    // fwa's copy is still there on fwc, frozen with the old mark, beside fwb's
    expect(await copyOf('fwc', 1)).toBe(101);
    expect((await node('fwc').status()).tables.external).toBe(252);
  });

  it('fwc takes over from the dead fwb: its kernel ends with fwb\'s table, the connection both copies hold as fwb last had it', async () => {
    const expected = tableLines(await listFlows(net, 'fwb'), keep);
    expect(expected).toHaveLength(151);
    expect(expected.filter((line) => line.includes('192.0.2.250>198.51.100.250'))).toEqual([expect.stringContaining(' mark=2 ')]);
    await node('fwb').stop();
    await node('fwc').notify('MASTER', 'half_lan0', 100);
    await waitFor('fwc committed and sending', async () => {
      const c = await node('fwc').status();
      return c.node.role === 'sender' && c.commits.count === 1;
    });
    const c = await node('fwc').status();
    expect(c.commits.last?.failed).toBe(0);
    const flows = await listFlows(net, 'fwc');
    expect(tableLines(flows, keep)).toEqual(expected);
    expect(flows.filter((f) => f.orig.src === '192.0.2.250').map(flowLine)).toEqual([expect.stringContaining(' mark=2 ')]);
    expect(node('fwc').output).toMatch(/external cache committed to the kernel reason=failover entries=\d+ /);
  });
});
