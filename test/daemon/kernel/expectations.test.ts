// Expectations, which ct_sync never replicated: a real FTP-like session through a firewall with
// nf_conntrack_ftp attached by the nftables ruleset (`ct helper set`) makes the kernel expect the
// data connection. HALF dumps that expectation, deletes it and creates it again; the recreated
// one admits the data connection the ruleset would otherwise drop; and a second firewall that
// gets the records (control connection with its helper, then the expectation) holds it too.
// Another agent subscribed to the expectation groups receives the kernel's NEW and DESTROY events
// of it, decoding to what the dump shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConntrackEntry, Expectation } from '../../../daemon/src/kernel/ct-entry.js';
import { Ips } from '../../../daemon/src/kernel/codec/ct-status.js';
import type { ApplyReport, DumpResult, KernelEvent } from '../../../daemon/src/kernel/kernel-roles.js';
import { requireTool } from '../../helpers/tools.js';
import { KernelAgent } from './helpers/agent-client.js';
import type { WireRecord } from './helpers/kernel-agent.js';
import { FtpScripts } from './helpers/ftp-session.js';
import { Netns } from './helpers/netns.js';
import { ftpRuleset } from './helpers/rulesets.js';
import { NAT_RULESET, Topology } from './helpers/topology.js';

const FTP_RULESET = ftpRuleset('f0') + NAT_RULESET;


let topo: Topology;
let agent: KernelAgent;
let listener: KernelAgent;
let scripts: FtpScripts;

/** The expectation events the listener received so far (and forgets them). */
async function expectationEvents(): Promise<Extract<KernelEvent, { table: 'expectation' }>[]> {
  const answer: { events: KernelEvent[] } = await listener.request('events', { clear: true });
  return answer.events.filter((e): e is Extract<KernelEvent, { table: 'expectation' }> => e.table === 'expectation');
}

beforeAll(async () => {
  requireTool('socat');
  requireTool('nft');
  scripts = await FtpScripts.create();
  topo = await Topology.create('ftp', FTP_RULESET);
  agent = await KernelAgent.start(topo.fw);
  listener = await KernelAgent.start(topo.fw);
  await listener.request('subscribe', { options: { conntrack: [], expectations: true }, keep: 100 });
});

afterAll(async () => {
  await listener?.stop();
  await agent?.stop();
  await topo?.destroy();
  await scripts?.remove();
});

function stripVolatile(x: Expectation): Omit<Expectation, 'timeout' | 'id'> {
  const { timeout: _t, id: _i, ...rest } = x;
  return rest;
}

async function connectData(): Promise<boolean> {
  const r = await topo.client.exec('socat', ['-T', '3', '-', 'TCP:198.51.100.2:50000,connect-timeout=2'], { timeoutMs: 10_000 });
  return r.stdout.includes('data over the expected connection');
}

describe('FTP expectations through a firewall', () => {
  let original: Expectation;

  it('dumps the expectation the ftp helper made from a PASV reply', async () => {
    scripts.startDataServer(topo);
    await scripts.passiveSession(topo);

    const dump: DumpResult<Expectation> = await agent.request('dump', { table: 'expectation' });
    expect(dump.undecodable).toBe(0);
    expect(dump.entries).toHaveLength(1);
    original = dump.entries[0] as Expectation;
    expect(original.master).toMatchObject({ src: '192.0.2.2', dst: '198.51.100.2', proto: 6, dport: 21 });
    expect(original.tuple).toMatchObject({ dst: '198.51.100.2', proto: 6, dport: 50000 });
    expect(original.helper).toBe('ftp');
    // masquerading firewall: nf_nat_ftp saved the port and asks NAT to follow the master
    expect(original.nat).toMatchObject({ dir: 0, tuple: { proto: 6, sport: 50000 } });
    expect(original.fn).toBe('nat-follow-master');
    expect(original.timeout).toBeGreaterThan(0);
    const cli = await topo.fw.exec('conntrack', ['-L', 'expect'], { check: true });
    expect(cli.stdout).toMatch(/dport=50000/);
    // the kernel announced it on the expectation group, with the fields the dump shows
    await listener.request('waitEvents', { name: 'expectation:new', count: 1, timeoutMs: 5_000 });
    const events = await expectationEvents();
    expect(events.map((e) => e.type)).toEqual(['new']);
    expect(stripVolatile((events[0] as (typeof events)[number]).expectation)).toEqual(stripVolatile(original));
  });

  it('deletes it and creates it again with the same fields', async () => {
    const deleted: ApplyReport = await agent.request('apply', { ops: [{ op: 'delete-expectation', expectation: original }] });
    expect(deleted.results).toEqual([{ ok: true, action: 'deleted' }]);
    expect((await agent.request<DumpResult<Expectation>>('dump', { table: 'expectation' })).entries).toEqual([]);
    expect((await topo.fw.exec('conntrack', ['-L', 'expect'], { check: true })).stdout).not.toMatch(/dport=50000/);

    const created: ApplyReport = await agent.request('apply', { ops: [{ op: 'set-expectation', expectation: original }] });
    expect(created.results).toEqual([{ ok: true, action: 'created' }]);
    await listener.request('waitEvents', { name: 'expectation:new', count: 1, timeoutMs: 5_000 }); // counted since the last look
    const events = await expectationEvents();
    expect(events.map((e) => e.type)).toEqual(['destroy', 'new']);
    for (const event of events) expect(stripVolatile(event.expectation)).toEqual(stripVolatile(original));
    const again: DumpResult<Expectation> = await agent.request('dump', { table: 'expectation' });
    expect(again.entries.map(stripVolatile)).toEqual([stripVolatile(original)]);
    expect((again.entries[0] as Expectation).timeout).toBeLessThanOrEqual((original.timeout ?? 0) + 1);
    expect((await topo.fw.exec('conntrack', ['-L', 'expect'], { check: true })).stdout).toMatch(/dport=50000/);
  });

  it('replicates the control connection and the expectation to a second firewall', async () => {
    const records: WireRecord[] = await agent.request('records');
    const peer = await Netns.create('ftpp');
    let peerAgent: KernelAgent | undefined;
    try {
      peerAgent = await KernelAgent.start(peer);
      await peer.exec('nft', ['-f', '-'], { input: FTP_RULESET, check: true });
      const { report, undecodable } = await peerAgent.request('applyRecords', { changes: records.map((record) => ({ op: 'set', record })) });
      expect(undecodable).toEqual([]);
      expect(report.failed, JSON.stringify(report.results)).toBe(0);
      const exp: DumpResult<Expectation> = await peerAgent.request('dump', { table: 'expectation' });
      expect(exp.entries.map(stripVolatile)).toEqual([stripVolatile(original)]);
      const ct: DumpResult<ConntrackEntry> = await peerAgent.request('dump', { table: 'conntrack' });
      expect(ct.entries.find((e) => e.orig.dport === 21)?.helper).toBe('ftp');
    } finally {
      await peerAgent?.stop();
      await peer.destroy();
    }
  });

  it('lets the data connection through the recreated expectation, as RELATED to the control one', async () => {
    expect(await connectData()).toBe(true);
    const dump: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack' });
    const data = dump.entries.find((e) => e.orig.dport === 50000) as ConntrackEntry;
    expect(data.master).toEqual(original.master);
    expect((data.status ?? 0) & Ips.expected).toBe(Ips.expected);
    // the expectation was used up: a second data connection is dropped by the ruleset
    expect(await connectData()).toBe(false);
  });
});
