// What KernelWriter commits is what the kernel then holds, as `conntrack -L -o xml` shows it:
// create (every protocol, NAT both ways, mark, zone, labels, helper), create-or-update of
// existing entries, one bad entry among many, deletes, flush, and the commit path from records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { Ips } from '../../../daemon/src/kernel/codec/ct-status.js';
import { TcpFlag } from '../../../daemon/src/kernel/codec/ctnetlink-attr.js';
import type { ApplyReport, DumpResult, KernelOp } from '../../../daemon/src/kernel/kernel-roles.js';
import { fromRecord, toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import type { FlowRecord, Table } from '../../../daemon/src/model/record.js';
import { ExternalCaches } from '../../../daemon/src/cache/external-caches.js';
import { requireTool } from '../../helpers/tools.js';
import { KernelAgent } from './helpers/agent-client.js';
import { listFlows, stateNumber, type OracleFlow } from './helpers/conntrack-oracle.js';
import { Netns } from './helpers/netns.js';
import type { WireRecord } from './helpers/kernel-agent.js';
import { LABELS_RULESET } from './helpers/rulesets.js';
import { SAMPLE_ENTRIES } from './helpers/sample-entries.js';

// The sample entries minus what this kernel cannot hold as given: DCCP (no DCCP conntrack since
// Linux 6.16) and the FTP data flow (its master is created in the expectations test).
const ENTRIES: ConntrackEntry[] = Object.entries(SAMPLE_ENTRIES)
  .filter(([name]) => name !== 'dccp' && name !== 'ftpData')
  .map(([, e]) => e);
const FTP_CONTROL: ConntrackEntry = {
  family: 'ipv4',
  orig: { src: '192.0.2.30', dst: '198.51.100.30', proto: 6, sport: 40021, dport: 21 },
  reply: { src: '198.51.100.30', dst: '192.0.2.30', proto: 6, sport: 21, dport: 40021 },
  status: Ips.seenReply | Ips.assured,
  timeout: 7200,
  mark: 0,
  zone: 0,
  helper: 'ftp',
  protoinfo: { proto: 'tcp', state: 3, wscaleOrig: 7, wscaleReply: 7, flagsOrig: TcpFlag.windowScale | TcpFlag.sackPerm, flagsReply: TcpFlag.windowScale },
};

let ns: Netns;
let agent: KernelAgent;

beforeAll(async () => {
  requireTool('conntrack');
  ns = await Netns.create('wr');
  await ns.exec('nft', ['-f', '-'], { input: LABELS_RULESET, check: true });
  agent = await KernelAgent.start(ns);
});

afterAll(async () => {
  await agent?.stop();
  await ns?.destroy();
});

/** `count` replied UDP flows from `src` to `dst`:53, source ports from 10000. */
function udpFlows(count: number, src: string, dst: string): ConntrackEntry[] {
  return Array.from({ length: count }, (_, i): ConntrackEntry => ({
    family: 'ipv4',
    orig: { src, dst, proto: 17, sport: 10000 + i, dport: 53 },
    reply: { src: dst, dst: src, proto: 17, sport: 53, dport: 10000 + i },
    status: Ips.seenReply,
    timeout: 120,
    zone: 0,
  }));
}

/** `count` sets of TCP flows from `src` to `dst`:80 (source ports from `sport`) the kernel refuses: a TCP state out of range (ERANGE). */
function badTcpSets(count: number, src: string, dst: string, sport: number): KernelOp[] {
  return Array.from({ length: count }, (_, i): KernelOp => ({
    op: 'set',
    entry: {
      family: 'ipv4',
      orig: { src, dst, proto: 6, sport: sport + i, dport: 80 },
      reply: { src: dst, dst: src, proto: 6, sport: 80, dport: sport + i },
      status: Ips.seenReply,
      timeout: 60,
      zone: 0,
      protoinfo: { proto: 'tcp', state: 200 },
    },
  }));
}

/** A record as the agent takes it over its pipe. */
/** A DNS query of 192.0.2.HOST, source-NATed to 203.0.113.HOST port `port`. */
function mappedDns(host: number, port: number, mark: number): ConntrackEntry {
  return {
    family: 'ipv4',
    orig: { src: `192.0.2.${host}`, dst: `198.51.100.${host}`, proto: 17, sport: 1000, dport: 53 },
    reply: { src: `198.51.100.${host}`, dst: `203.0.113.${host}`, proto: 17, sport: 53, dport: port },
    status: Ips.seenReply | Ips.srcNat | Ips.srcNatDone | Ips.dstNatDone,
    timeout: 600,
    mark,
    zone: 0,
  };
}

function wireRecord(entry: ConntrackEntry): WireRecord {
  const r = toRecord(entry);
  return { table: r.table, key: Buffer.from(r.key).toString('base64'), payload: Buffer.from(r.payload).toString('base64'), stateHash: r.stateHash.toString() };
}

/** `first` set as an op (the general path), `second` committed as a record (the streamed path): each one's results. */
async function setOnBothPaths(first: ConntrackEntry, second: ConntrackEntry): Promise<[readonly unknown[], readonly unknown[]]> {
  const direct: ApplyReport = await agent.request('apply', { ops: [{ op: 'set', entry: first }] });
  const { report: streamed } = (await agent.request('commitRecords', { records: [wireRecord(second)] })) as { report: ApplyReport };
  return [direct.results, streamed.results];
}

function flowOf(flows: OracleFlow[], e: ConntrackEntry): OracleFlow | undefined {
  return flows.find((f) => f.orig.src === e.orig.src && f.orig.dst === e.orig.dst && f.orig.proto === e.orig.proto && f.zone === e.zone);
}

function expectFlowMatches(flow: OracleFlow | undefined, e: ConntrackEntry): void {
  const label = `${e.orig.proto} ${e.orig.src}`;
  expect(flow, label).toBeDefined();
  const f = flow as OracleFlow;
  expect(f.family, label).toBe(e.family);
  expect(f.orig, label).toEqual(e.orig);
  expect(f.reply, label).toEqual(e.reply);
  expect(f.mark, label).toBe(e.mark ?? 0);
  expect(f.zone, label).toBe(e.zone);
  expect(f.timeout, label).toBeLessThanOrEqual(e.timeout ?? 0);
  expect(f.timeout, label).toBeGreaterThanOrEqual((e.timeout ?? 0) - 5);
  expect(f.assured, label).toBe(((e.status ?? 0) & Ips.assured) !== 0);
  expect(f.unreplied, label).toBe(((e.status ?? 0) & Ips.seenReply) === 0);
  expect(f.labels, label).toEqual(e.labels ?? []);
  expect(f.helper, label).toBe(e.helper);
  if (e.protoinfo !== undefined) expect(stateNumber(f.state ?? ''), label).toBe(e.protoinfo.state);
}

describe('NetlinkKernelWriter', () => {
  it('creates entries that read back identically through conntrack -L -o xml', async () => {
    const report: ApplyReport = await agent.request('apply', { ops: [...ENTRIES, FTP_CONTROL].map((entry) => ({ op: 'set', entry })) });
    expect(report.failed, JSON.stringify(report.results)).toBe(0);
    expect(report.created).toBe(ENTRIES.length + 1);
    const flows = await listFlows(ns);
    expect(flows).toHaveLength(ENTRIES.length + 1);
    for (const e of [...ENTRIES, FTP_CONTROL]) expectFlowMatches(flowOf(flows, e), e);
  });

  it('gives NATed copies the kernel NAT state and TCP copies the be-liberal flag', async () => {
    const dump: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack' });
    const snat = dump.entries.find((e) => e.orig.src === '192.0.2.10') as ConntrackEntry;
    expect((snat.status ?? 0) & (Ips.srcNat | Ips.srcNatDone)).toBe(Ips.srcNat | Ips.srcNatDone);
    const dnat = dump.entries.find((e) => e.orig.src === '2001:db8::10') as ConntrackEntry;
    expect((dnat.status ?? 0) & Ips.dstNat).toBe(Ips.dstNat);
    const ftp = dump.entries.find((e) => e.orig.dport === 21) as ConntrackEntry;
    expect(ftp.protoinfo).toMatchObject({ proto: 'tcp', state: 3, wscaleOrig: 7, wscaleReply: 7 });
    for (const e of [snat, dnat, ftp]) {
      const info = e.protoinfo as { flagsOrig: number; flagsReply: number };
      expect(info.flagsOrig & TcpFlag.beLiberal).toBe(TcpFlag.beLiberal);
      expect(info.flagsReply & TcpFlag.beLiberal).toBe(TcpFlag.beLiberal);
    }
  });

  it('keeps the sequence adjustments of NAT helpers', async () => {
    const adjusted: ConntrackEntry = {
      ...FTP_CONTROL,
      orig: { ...FTP_CONTROL.orig, sport: 40022 },
      reply: { ...FTP_CONTROL.reply, dport: 40022 },
      seqAdjOrig: { correctionPos: 123456, offsetBefore: 0, offsetAfter: 4 },
      seqAdjReply: { correctionPos: 654321, offsetBefore: 0, offsetAfter: 0 },
    };
    const report: ApplyReport = await agent.request('apply', { ops: [{ op: 'set', entry: adjusted }] });
    expect(report.results).toEqual([{ ok: true, action: 'created' }]);
    const dump: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack' });
    const copy = dump.entries.find((e) => e.orig.sport === 40022) as ConntrackEntry;
    expect([copy.seqAdjOrig, copy.seqAdjReply]).toEqual([adjusted.seqAdjOrig, adjusted.seqAdjReply]);
    expect((copy.status ?? 0) & Ips.seqAdjust).toBe(Ips.seqAdjust);
    await agent.request('apply', { ops: [{ op: 'delete', entry: adjusted }] });
  });

  it('updates entries that already exist instead of failing', async () => {
    const changed = [...ENTRIES, FTP_CONTROL].map((e) => ({ ...e, mark: 0x77, timeout: 900 }));
    const report: ApplyReport = await agent.request('apply', { ops: changed.map((entry) => ({ op: 'set', entry })) });
    expect(report.failed, JSON.stringify(report.results)).toBe(0);
    expect(report.updated).toBe(changed.length);
    const flows = await listFlows(ns);
    expect(flows).toHaveLength(changed.length);
    for (const e of changed) expectFlowMatches(flowOf(flows, e), e);
  });

  it('replaces a stale entry whose NATed reply tuple the committed one needs (a clash the update cannot see)', async () => {
    // two clients NATed to the same address and port: the first mapping is a leftover
    const snatUdp = (client: string): ConntrackEntry => ({
      family: 'ipv4',
      orig: { src: client, dst: '198.51.100.62', proto: 17, sport: 1000, dport: 53 },
      reply: { src: '198.51.100.62', dst: '203.0.113.61', proto: 17, sport: 53, dport: 1000 },
      status: Ips.seenReply | Ips.srcNat | Ips.srcNatDone | Ips.dstNatDone,
      timeout: 600,
      zone: 0,
    });
    const stale = snatUdp('192.0.2.60');
    const live = snatUdp('192.0.2.61');
    const first: ApplyReport = await agent.request('apply', { ops: [{ op: 'set', entry: stale }] });
    expect(first.results).toEqual([{ ok: true, action: 'created' }]);
    const report: ApplyReport = await agent.request('apply', { ops: [{ op: 'set', entry: live }] });
    expect(report.results).toEqual([{ ok: true, action: 'replaced' }]);
    const flows = await listFlows(ns);
    expectFlowMatches(flowOf(flows, live), live);
    expect(flowOf(flows, stale)).toBeUndefined();
    await agent.request('apply', { ops: [{ op: 'delete', entry: live }] });
  });

  it('replaces, at a commit, an entry held under the same original tuple with another NAT mapping (which an update cannot change)', async () => {
    // a client that reused its port: the node's leftover maps it to port 1000, the live copy to 1001
    const snatUdp = (port: number, mark: number): ConntrackEntry => mappedDns(64, port, mark);
    const replyPort = async (): Promise<number | undefined> => (await listFlows(ns)).find((f) => f.orig.src === '192.0.2.64')?.reply.dport;
    expect((await agent.request('apply', { ops: [{ op: 'set', entry: snatUdp(1000, 1) }] }) as ApplyReport).results).toEqual([{ ok: true, action: 'created' }]);
    // direct mode's update finds it by its original tuple and cannot see the mapping
    const direct = (await agent.request('applyRecords', { changes: [{ op: 'set', record: wireRecord(snatUdp(1001, 2)) }] })) as { report: ApplyReport };
    expect(direct.report.results).toEqual([{ ok: true, action: 'updated' }]);
    expect(await replyPort()).toBe(1000);
    // a commit replaces it: deleted by its original tuple, the copy created
    const { report } = (await agent.request('commitRecords', { records: [wireRecord(snatUdp(1001, 3))] })) as { report: ApplyReport };
    expect(report.results).toEqual([{ ok: true, action: 'replaced' }]);
    expect(report).toMatchObject({ created: 0, replaced: 1, updated: 0 });
    expect(await replyPort()).toBe(1001);
    // on the general path too: an FTP data connection (it names its master), NATed
    const control: ConntrackEntry = { ...FTP_CONTROL, orig: { ...FTP_CONTROL.orig, sport: 43121 }, reply: { ...FTP_CONTROL.reply, dport: 43121 } };
    const natData = (port: number): ConntrackEntry => ({
      family: 'ipv4',
      orig: { src: '192.0.2.30', dst: '198.51.100.30', proto: 6, sport: 43200, dport: 50030 },
      reply: { src: '198.51.100.30', dst: '203.0.113.30', proto: 6, sport: 50030, dport: port },
      status: Ips.seenReply | Ips.assured | Ips.expected | Ips.srcNat | Ips.srcNatDone | Ips.dstNatDone,
      timeout: 300,
      zone: 0,
      protoinfo: { proto: 'tcp', state: 3 },
      master: control.orig,
    });
    const held = (await agent.request('apply', { ops: [control, natData(2000)].map((entry) => ({ op: 'set', entry })) })) as ApplyReport;
    expect(held.failed, JSON.stringify(held.results)).toBe(0);
    const { report: child } = (await agent.request('commitRecords', { records: [wireRecord(natData(2001))] })) as { report: ApplyReport };
    expect(child.results).toEqual([{ ok: true, action: 'replaced' }]);
    expect((await listFlows(ns)).find((f) => f.orig.dport === 50030)?.reply.dport).toBe(2001);
    // a copy without NAT over an entry with a mapping: replaced too (an update would keep the
    // mapping, the NAT status bits included, and say "updated")
    const [plainUdp] = udpFlows(1, '192.0.2.66', '198.51.100.66');
    const mappedUdp: ConntrackEntry = { ...(plainUdp as ConntrackEntry), reply: { ...(plainUdp as ConntrackEntry).reply, dst: '203.0.113.66' }, status: ((plainUdp as ConntrackEntry).status ?? 0) | Ips.srcNat | Ips.srcNatDone };
    await agent.request('apply', { ops: [{ op: 'set', entry: mappedUdp }] });
    expect((await listFlows(ns)).find((f) => f.orig.src === '192.0.2.66')?.reply.dst).toBe('203.0.113.66');
    const { report: plainReport } = (await agent.request('commitRecords', { records: [wireRecord({ ...(plainUdp as ConntrackEntry), mark: 6 })] })) as { report: ApplyReport };
    expect(plainReport.results).toEqual([{ ok: true, action: 'replaced' }]);
    const plainNow = (await listFlows(ns)).find((f) => f.orig.src === '192.0.2.66');
    expect(plainNow?.reply.dst, 'the mapping is gone').toBe('192.0.2.66');
    expect(plainNow?.mark).toBe(6);
    await agent.request('apply', { ops: [snatUdp(1001, 3), natData(2001), control, plainUdp as ConntrackEntry].map((entry) => ({ op: 'delete', entry })) });
  });

  it('replaces, at a commit, both a leftover under the original tuple and another that holds the NATed reply tuple', async () => {
    const snat = (client: string, port: number): ConntrackEntry => ({
      family: 'ipv4',
      orig: { src: client, dst: '198.51.100.67', proto: 17, sport: 1000, dport: 53 },
      reply: { src: '198.51.100.67', dst: '203.0.113.67', proto: 17, sport: 53, dport: port },
      status: Ips.seenReply | Ips.srcNat | Ips.srcNatDone | Ips.dstNatDone,
      timeout: 600,
      zone: 0,
    });
    const clientFor = async (port: number): Promise<string | undefined> => (await listFlows(ns)).find((f) => f.orig.dst === '198.51.100.67' && f.reply.dport === port)?.orig.src;
    // the reply tuple alone is held: another client's leftover mapping
    await agent.request('apply', { ops: [{ op: 'set', entry: snat('192.0.2.68', 3000) }] });
    const { report: clash } = (await agent.request('commitRecords', { records: [wireRecord(snat('192.0.2.69', 3000))] })) as { report: ApplyReport };
    expect(clash.results).toEqual([{ ok: true, action: 'replaced' }]);
    expect(await clientFor(3000)).toBe('192.0.2.69');
    // both: the client's own leftover (another port) and a stranger's on the copy's port
    await agent.request('apply', { ops: [{ op: 'set', entry: snat('192.0.2.70', 3001) }] });
    const { report: both } = (await agent.request('commitRecords', { records: [wireRecord(snat('192.0.2.69', 3001))] })) as { report: ApplyReport };
    expect(both.results).toEqual([{ ok: true, action: 'replaced' }]);
    const flows = (await listFlows(ns)).filter((f) => f.orig.dst === '198.51.100.67');
    expect(flows.map((f) => `${f.orig.src} ${f.reply.dport}`)).toEqual(['192.0.2.69 3001']);
    await agent.request('apply', { ops: [{ op: 'delete', entry: snat('192.0.2.69', 3001) }] });
  });

  it('creates a connection whose helper this node lacks without it, on both paths, rather than not at all', async () => {
    const withHelper = (sport: number): ConntrackEntry => ({ ...FTP_CONTROL, orig: { ...FTP_CONTROL.orig, sport }, reply: { ...FTP_CONTROL.reply, dport: sport }, helper: 'nosuchhelper' });
    expect(await setOnBothPaths(withHelper(41021), withHelper(41022))).toEqual([[{ ok: true, action: 'created-without-helper' }], [{ ok: true, action: 'created-without-helper' }]]);
    const flows = await listFlows(ns);
    for (const sport of [41021, 41022]) {
      const flow = flows.find((f) => f.orig.sport === sport && f.orig.dst === FTP_CONTROL.orig.dst);
      expect(flow, String(sport)).toBeDefined();
      expect(flow?.helper, String(sport)).toBeUndefined();
    }
    await agent.request('apply', { ops: [41021, 41022].map((sport) => ({ op: 'delete', entry: withHelper(sport) })) });
  });

  it('commits one copy of a connection two peers hold, the later one\'s, over a leftover of the connection', async () => {
    // two peers' copies of one client's flow with other mappings (three nodes), and this node's leftover
    const flow = (port: number, mark: number): ConntrackEntry => mappedDns(67, port, mark);
    await agent.request('apply', { ops: [{ op: 'set', entry: flow(3000, 9) }] });
    const external = new ExternalCaches();
    external.forOrigin(2).set(toRecord(flow(1000, 2)), 2, 0);
    external.forOrigin(3).set(toRecord(flow(1001, 3)), 3, 0);
    const snapshot = external.snapshot([2, 3]); // node 3 sent last
    const records = Array.from({ length: snapshot.length }, (_, i) => snapshot.at(i) as FlowRecord).map((r) => ({ table: r.table, key: Buffer.from(r.key).toString('base64'), payload: Buffer.from(r.payload).toString('base64'), stateHash: r.stateHash.toString() }));
    expect(records).toHaveLength(1);
    const { report } = (await agent.request('commitRecords', { records })) as { report: ApplyReport };
    expect(report.failed, JSON.stringify(report.results)).toBe(0);
    const held = (await listFlows(ns)).filter((f) => f.orig.src === '192.0.2.67');
    expect(held.map((f) => [f.reply.dport, f.mark])).toEqual([[1001, 3]]);
    await agent.request('apply', { ops: [{ op: 'delete', entry: flow(1001, 3) }] });
  });

  it('replaces, at a commit, an entry held without the copy\'s helper (none can be attached to an existing entry)', async () => {
    const held: ConntrackEntry = { ...FTP_CONTROL, orig: { ...FTP_CONTROL.orig, sport: 42021 }, reply: { ...FTP_CONTROL.reply, dport: 42021 } };
    const { helper: _none, ...bare } = held;
    await agent.request('apply', { ops: [{ op: 'set', entry: bare }] });
    expect((await listFlows(ns)).find((f) => f.orig.sport === 42021)?.helper).toBeUndefined();
    const { report } = (await agent.request('commitRecords', { records: [wireRecord(held)] })) as { report: ApplyReport };
    expect(report.results).toEqual([{ ok: true, action: 'replaced' }]);
    expect((await listFlows(ns)).find((f) => f.orig.sport === 42021)?.helper, 'an update would have left it without').toBe('ftp');
    await agent.request('apply', { ops: [{ op: 'delete', entry: held }] });
  });

  it('commits a flow-offloaded entry as the kernel dumps it (no timeout, no protocol state), on both paths', async () => {
    const offloaded = (sport: number): ConntrackEntry => {
      const { timeout: _t, protoinfo: _p, ...dumped } = { ...FTP_CONTROL, helper: undefined, orig: { ...FTP_CONTROL.orig, sport, dport: 443 }, reply: { ...FTP_CONTROL.reply, sport: 443, dport: sport } };
      return { ...dumped, status: (dumped.status ?? 0) | Ips.offload };
    };
    expect(await setOnBothPaths(offloaded(42021), offloaded(42022))).toEqual([[{ ok: true, action: 'created' }], [{ ok: true, action: 'created' }]]);
    const flows = await listFlows(ns);
    for (const sport of [42021, 42022]) {
      const flow = flows.find((f) => f.orig.sport === sport && f.orig.dport === 443);
      expect(flow, String(sport)).toBeDefined();
      expect(flow?.timeout, String(sport)).toBeGreaterThan(431_990);
    }
    await agent.request('apply', { ops: [42021, 42022].map((sport) => ({ op: 'delete', entry: offloaded(sport) })) });
  });

  it('merges records create-only: what the kernel holds stays as it is, on both paths of the stream', async () => {
    const control: ConntrackEntry = { ...FTP_CONTROL, orig: { ...FTP_CONTROL.orig, sport: 43021 }, reply: { ...FTP_CONTROL.reply, dport: 43021 } };
    // an FTP data connection: a master sends it down the general path
    const data = (mark: number): ConntrackEntry => ({
      family: 'ipv4',
      orig: { src: '192.0.2.30', dst: '198.51.100.30', proto: 6, sport: 43100, dport: 50020 },
      reply: { src: '198.51.100.30', dst: '192.0.2.30', proto: 6, sport: 50020, dport: 43100 },
      status: Ips.seenReply | Ips.assured | Ips.expected,
      timeout: 300,
      mark,
      zone: 0,
      protoinfo: { proto: 'tcp', state: 3 },
      master: control.orig,
    });
    const [held, fresh] = udpFlows(2, '192.0.2.71', '198.51.100.71');
    const ops = [control, data(5), { ...(held as ConntrackEntry), mark: 7 }].map((entry) => ({ op: 'set', entry }));
    expect((await agent.request('apply', { ops }) as ApplyReport).failed).toBe(0);
    const records = [{ ...(held as ConntrackEntry), mark: 8 }, { ...(fresh as ConntrackEntry), mark: 9 }, data(6)].map(wireRecord);
    const { report } = (await agent.request('commitRecords', { records, createOnly: true })) as { report: ApplyReport };
    expect(report.results).toEqual([{ ok: true, action: 'kept' }, { ok: true, action: 'created' }, { ok: true, action: 'kept' }]);
    expect(report).toMatchObject({ created: 1, updated: 0, failed: 0 });
    const flows = await listFlows(ns);
    const bySport = (e: ConntrackEntry | undefined) => flows.find((f) => f.orig.src === e?.orig.src && f.orig.sport === e?.orig.sport);
    expect(bySport(held)?.mark).toBe(7);
    expect(bySport(fresh)?.mark).toBe(9);
    expect(flows.find((f) => f.orig.dport === 50020)?.mark).toBe(5);
    await agent.request('apply', { ops: [data(5), control, held as ConntrackEntry, fresh as ConntrackEntry].map((entry) => ({ op: 'delete', entry })) });
  });

  it('clears the labels of a copy whose entry has none left (once the writer has seen labels)', async () => {
    const labelled = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry; // created above with labels 0, 5, 127
    expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([0, 5, 127]);
    const { labels: _cleared, ...unlabelled } = labelled;
    const report: ApplyReport = await agent.request('apply', { ops: [{ op: 'set', entry: unlabelled }] });
    expect(report.results).toEqual([{ ok: true, action: 'updated' }]);
    expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([]);
    await agent.request('apply', { ops: [{ op: 'set', entry: labelled }] });
    expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([0, 5, 127]);
  });

  it('clears the labels of a copy on the word of labels held in the kernel, before it has written any', async () => {
    const labelled = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([0, 5, 127]);
    const { labels: _cleared, ...unlabelled } = labelled;
    const update = (labelsHeld?: boolean) => agent.request<{ report: ApplyReport }>('applyWith', { options: {}, ...(labelsHeld === undefined ? {} : { labelsHeld }), ops: [{ op: 'set', entry: unlabelled }] });
    // a fresh writer, not told: the copy keeps its labels; told none are held: the same
    for (const held of [undefined, false]) {
      expect((await update(held)).report.results).toEqual([{ ok: true, action: 'updated' }]);
      expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([0, 5, 127]);
    }
    expect((await update(true)).report.results).toEqual([{ ok: true, action: 'updated' }]);
    expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([]);
    await agent.request('apply', { ops: [{ op: 'set', entry: labelled }] });
    expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([0, 5, 127]);
  });

  it('keeps clearing once labels are in use (written, or said), whatever it is told of the kernel afterwards', async () => {
    const labelled = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    const { labels: _cleared, ...unlabelled } = labelled;
    const inUse = [{ ops: [{ op: 'set', entry: labelled }] }, { labelsInUse: true }];
    for (const step of inUse) {
      await agent.request('apply', { ops: [{ op: 'set', entry: labelled }] });
      expect(flowOf(await listFlows(ns), labelled)?.labels).toEqual([0, 5, 127]);
      const { reports } = await agent.request<{ reports: ApplyReport[] }>('applySteps', { steps: [step, { labelsHeld: false }, { ops: [{ op: 'set', entry: unlabelled }] }] });
      expect(reports.at(-1)?.results).toEqual([{ ok: true, action: 'updated' }]);
      expect(flowOf(await listFlows(ns), labelled)?.labels, JSON.stringify(step)).toEqual([]);
    }
    await agent.request('apply', { ops: [{ op: 'set', entry: labelled }] });
  });

  it('updates an entry without a labels extension when labels are in use: the rest applies, ENOSPC is no failure', async () => {
    // a namespace whose rules use no labels: its entries get no labels extension
    const bare = await Netns.create('wrl');
    let bareAgent: KernelAgent | undefined;
    try {
      bareAgent = await KernelAgent.start(bare);
      const [plain] = udpFlows(1, '192.0.2.202', '198.51.100.202') as [ConntrackEntry];
      const labelled: ConntrackEntry = { ...plain, orig: { ...plain.orig, sport: 20000 }, reply: { ...plain.reply, dport: 20000 }, labels: [4] };
      const bySport = async (sport: number) => (await listFlows(bare)).find((f) => f.orig.sport === sport);
      const first: ApplyReport = await bareAgent.request('apply', { ops: [{ op: 'set', entry: plain }, { op: 'set', entry: labelled }] });
      expect(first.results).toEqual([{ ok: true, action: 'created' }, { ok: true, action: 'created' }]);
      expect((await bySport(20000))?.labels).toEqual([]); // the kernel had nowhere to keep them
      // the writer has seen labels: this update carries all-zero labels, last
      const again: ApplyReport = await bareAgent.request('apply', { ops: [{ op: 'set', entry: { ...plain, mark: 0x55 } }] });
      expect(again.results).toEqual([{ ok: true, action: 'updated' }]);
      expect((await bySport(10000))?.mark).toBe(0x55);
    } finally {
      await bareAgent?.stop();
      await bare.destroy();
    }
  });

  it('applies the rest of a batch around bad entries and reports each with its errno', async () => {
    const good = udpFlows(300, '192.0.2.200', '198.51.100.200');
    const badState: ConntrackEntry = { ...(good[0] as ConntrackEntry), orig: { ...(good[0] as ConntrackEntry).orig, proto: 6, sport: 9999 }, reply: { ...(good[0] as ConntrackEntry).reply, proto: 6, dport: 9999 }, protoinfo: { proto: 'tcp', state: 42 } };
    const badAddress: ConntrackEntry = { ...(good[1] as ConntrackEntry), orig: { ...(good[1] as ConntrackEntry).orig, src: '192.0.2.999' } };
    const ops: KernelOp[] = good.map((entry) => ({ op: 'set', entry }));
    ops.splice(100, 0, { op: 'set', entry: badState });
    ops.splice(200, 0, { op: 'set', entry: badAddress });
    const report: ApplyReport = await agent.request('apply', { ops });
    expect(report.failed).toBe(2);
    expect(report.created).toBe(300);
    // the kernel's netlink policy bounds the TCP state: ERANGE
    expect(report.results[100]).toMatchObject({ ok: false, errno: 34, code: 'ERANGE' });
    expect(report.results[200]).toMatchObject({ ok: false, code: 'EINVAL', reason: expect.stringMatching(/"192.0.2.999" is not an IPv4 address/) });
    const flows = await listFlows(ns);
    expect(flows.filter((f) => f.orig.src === '192.0.2.200' && f.orig.proto === 17)).toHaveLength(300);
    expect(flows.some((f) => f.orig.sport === 9999)).toBe(false);
  });

  it('commits records around bad ones, each failure under its own index, on both paths of the stream', async () => {
    const good = udpFlows(300, '192.0.2.201', '198.51.100.201');
    const tcp = (sport: number, flags: boolean): ConntrackEntry => ({
      ...(good[0] as ConntrackEntry),
      orig: { ...(good[0] as ConntrackEntry).orig, proto: 6, sport },
      reply: { ...(good[0] as ConntrackEntry).reply, proto: 6, dport: sport },
      protoinfo: { proto: 'tcp', state: 42, ...(flags ? { flagsOrig: 0, flagsReply: 0 } : {}) },
    });
    const wire = wireRecord;
    const records = good.map(wire);
    records.splice(100, 0, wire(tcp(9998, true))); // sent straight from its payload
    records.splice(200, 0, wire(tcp(9997, false))); // no TCP flags: sent from its decoded entry
    records.splice(250, 0, { ...(records[0] as WireRecord), payload: Buffer.from([2, 2, 0, 0, 9, 9]).toString('base64') });
    // whole attributes behind a head this node does not read (another payload version, no such
    // address family): undecodable, as fromRecord says, never sent from the fast path
    const [newer, alien] = udpFlows(2, '192.0.2.203', '198.51.100.203').map(wire) as [WireRecord, WireRecord];
    const head = (record: WireRecord, at: number, value: number): WireRecord => {
      const payload = Buffer.from(record.payload, 'base64');
      payload[at] = value;
      return { ...record, payload: payload.toString('base64') };
    };
    records.splice(260, 0, head(newer, 0, 9));
    records.splice(270, 0, head(alien, 1, 7));
    const { report, undecodable } = await agent.request('commitRecords', { records });
    expect(report.created).toBe(300);
    expect(report.failed).toBe(5);
    expect(report.results[100]).toMatchObject({ ok: false, errno: 34, code: 'ERANGE' });
    expect(report.results[200]).toMatchObject({ ok: false, errno: 34, code: 'ERANGE' });
    expect(report.results[250]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(report.results[260]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(report.results[270]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(undecodable.map((u: { index: number; error: string }) => [u.index, u.error])).toEqual([
      [250, expect.any(String)],
      [260, 'record payload version 9, this node reads version 1'],
      [270, 'record payload of address family 7'],
    ]);
    const flows = await listFlows(ns);
    expect(flows.some((f) => f.orig.src === '192.0.2.203')).toBe(false);
    expect(flows.filter((f) => f.orig.src === '192.0.2.201' && f.orig.proto === 17)).toHaveLength(300);
    expect(flows.some((f) => f.orig.sport === 9998 || f.orig.sport === 9997)).toBe(false);
  });

  it('hears every answer when a whole batch fails (answers fit the receive buffer)', async () => {
    const bad = badTcpSets(5000, '192.0.2.201', '198.51.100.201', 20000);
    const report: ApplyReport = await agent.request('apply', { ops: bad });
    expect(report.overruns).toBe(0);
    expect(report.failed).toBe(5000);
    expect(report.results.every((r) => !r.ok && r.code === 'ERANGE')).toBe(true);
  });

  it('answers a small batch within the call, and gives each failure the same errno as the binding does', async () => {
    type Answer = { report: ApplyReport; exchanges: { inCall: number; viaBinding: number } };
    const batch = (src: string): KernelOp[] => {
      const good = udpFlows(20, src, '198.51.100.202');
      const bad: ConntrackEntry = { ...(good[0] as ConntrackEntry), orig: { ...(good[0] as ConntrackEntry).orig, proto: 6, sport: 9996 }, reply: { ...(good[0] as ConntrackEntry).reply, proto: 6, dport: 9996 }, protoinfo: { proto: 'tcp', state: 42 } };
      const ops: KernelOp[] = good.map((entry) => ({ op: 'set', entry }));
      ops.splice(7, 0, { op: 'set', entry: bad });
      return ops;
    };
    const inCall: Answer = await agent.request('applyWith', { options: {}, ops: batch('192.0.2.202') });
    const viaBinding: Answer = await agent.request('applyWith', { options: { exchangeInCall: false }, ops: batch('192.0.2.203') });
    expect(inCall.exchanges).toEqual({ inCall: 1, viaBinding: 0 });
    expect(viaBinding.exchanges).toEqual({ inCall: 0, viaBinding: 1 });
    for (const { report } of [inCall, viaBinding]) {
      expect(report.created).toBe(20);
      expect(report.results[7]).toMatchObject({ ok: false, errno: 34, code: 'ERANGE' });
    }
    expect(inCall.report.results).toEqual(viaBinding.report.results);
    const flows = await listFlows(ns);
    for (const src of ['192.0.2.202', '192.0.2.203']) expect(flows.filter((f) => f.orig.src === src && f.orig.proto === 17)).toHaveLength(20);
    // a chunk of more than a few hundred requests (a commit's) keeps the binding's way
    const large: Answer = await agent.request('applyWith', { options: {}, ops: udpFlows(600, '192.0.2.204', '198.51.100.202').map((entry) => ({ op: 'set', entry })) });
    expect(large.report.created).toBe(600);
    expect(large.exchanges).toEqual({ inCall: 0, viaBinding: 1 });
  });

  it('writes nothing once closed (its descriptor number may be another file\'s by then)', async () => {
    const [first, ...rest] = udpFlows(4, '192.0.2.206', '198.51.100.206').map((entry): KernelOp => ({ op: 'set', entry }));
    const { report, exchanges, reused, strayBytes }: { report: ApplyReport; exchanges: { inCall: number; viaBinding: number }; reused: boolean; strayBytes: number } = await agent.request('applyWith', { options: {}, closedAfter: [first], ops: rest });
    // the file the agent opened after the close got the socket's old number, and nothing of ours
    expect(reused).toBe(true);
    expect(strayBytes).toBe(0);
    expect(report.failed).toBe(3);
    for (const r of report.results) expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/closed/) });
    // the first write went within the call, nothing after the close
    expect(exchanges).toEqual({ inCall: 1, viaBinding: 1 });
    const flows = await listFlows(ns);
    expect(flows.filter((f) => f.orig.src === '192.0.2.206')).toHaveLength(1);
  });

  it('reads answers the kernel dropped for a full receive buffer as lost, within the call, and asks again', async () => {
    // 16 failures to a chunk (the least a writer sends), each answer echoing its request: more
    // than the smallest receive buffer holds
    const bad = badTcpSets(16, '192.0.2.205', '198.51.100.205', 30000);
    const good: KernelOp[] = udpFlows(30, '192.0.2.205', '198.51.100.205').map((entry) => ({ op: 'set', entry }));
    const { report, exchanges }: { report: ApplyReport; exchanges: { inCall: number; viaBinding: number } } = await agent.request('applyWith', { options: { recvBufferSize: 4096 }, ops: [...bad, ...good] });
    expect(report.overruns).toBeGreaterThan(0);
    expect(exchanges.viaBinding).toBe(0);
    for (const r of report.results.slice(0, 16)) expect(r).toMatchObject({ ok: false, code: expect.stringMatching(/^(ERANGE|ELOOP)$/) });
    expect(report.results.slice(16).every((r) => r.ok)).toBe(true);
    const flows = await listFlows(ns);
    expect(flows.filter((f) => f.orig.src === '192.0.2.205')).toHaveLength(30);
  });

  it('deletes, and treats deleting what is gone as done', async () => {
    const ops: KernelOp[] = ENTRIES.map((entry) => ({ op: 'delete', entry }));
    const first: ApplyReport = await agent.request('apply', { ops });
    expect(first.results).toHaveLength(ENTRIES.length);
    expect(first.results.every((r) => r.ok && r.action === 'deleted')).toBe(true);
    const flows = await listFlows(ns);
    for (const e of ENTRIES) expect(flowOf(flows, e)).toBeUndefined();
    expect(flowOf(flows, FTP_CONTROL)).toBeDefined();
    const again: ApplyReport = await agent.request('apply', { ops });
    expect(again.results).toHaveLength(ENTRIES.length);
    expect(again.results.every((r) => r.ok && r.action === 'absent')).toBe(true);
  });

  it('commits records: a second node ends up with the same table', async () => {
    await agent.request('apply', { ops: ENTRIES.map((entry) => ({ op: 'set', entry })) });
    const records: WireRecord[] = await agent.request('records');
    const peer = await Netns.create('wrp');
    let peerAgent: KernelAgent | undefined;
    let listener: KernelAgent | undefined;
    try {
      peerAgent = await KernelAgent.start(peer);
      listener = await KernelAgent.start(peer);
      await peer.exec('nft', ['-f', '-'], { input: LABELS_RULESET, check: true });
      await listener.request('subscribe', { options: {}, keep: 10_000 });
      // as a commit of the external cache does it
      const { report, undecodable } = await peerAgent.request('commitRecords', { records });
      expect(undecodable).toEqual([]);
      expect(report.failed, JSON.stringify(report.results)).toBe(0);
      expect(report.created).toBe(records.length);
      // in the order given, NATed entries included (they come back as early as the rest)
      await listener.request('waitEvents', { name: 'conntrack:new', count: records.length });
      const seen: { events: { table: string; type: string; entry: ConntrackEntry }[] } = await listener.request('events', {});
      const origin = (e: ConntrackEntry): string => `${e.orig.proto} ${e.orig.src} ${e.orig.dst} ${e.zone}`;
      const given = records.map((r) => fromRecord({ table: r.table as Table, payload: Buffer.from(r.payload, 'base64') })).map((d) => (d.ok && d.value.table === 'conntrack' ? origin(d.value.entry) : '?'));
      expect(seen.events.filter((e) => e.table === 'conntrack' && e.type === 'new').map((e) => origin(e.entry))).toEqual(given);
      const here = await listFlows(ns);
      const there = await listFlows(peer);
      const comparable = (f: OracleFlow) => ({ ...f, id: 0, timeout: 0 });
      const byKey = (a: OracleFlow, b: OracleFlow) => JSON.stringify(comparable(a)).localeCompare(JSON.stringify(comparable(b)));
      expect(there.map(comparable).sort(byKey as never)).toEqual(here.map(comparable).sort(byKey as never));
      // and deletes by key alone
      const { report: deleted } = await peerAgent.request('applyRecords', { changes: records.map((record) => ({ op: 'delete', record })) });
      expect(deleted.failed).toBe(0);
      expect(await listFlows(peer)).toEqual([]);
    } finally {
      await listener?.stop();
      await peerAgent?.stop();
      await peer.destroy();
    }
  });

  it('commits records over a table that holds them: updates, answers in the order of the changes', async () => {
    await agent.request('apply', { ops: ENTRIES.map((entry) => ({ op: 'set', entry })) });
    const records: WireRecord[] = await agent.request('records');
    // a record that cannot decode, in the middle: it fails alone, under its own index
    const broken: WireRecord = { ...(records[0] as WireRecord), payload: Buffer.from([2, 2, 0, 0, 9, 9]).toString('base64') };
    // a held entry's whole record behind another payload version: undecodable, not updated from the fast path
    const newer = Buffer.from((records[1] as WireRecord).payload, 'base64');
    newer[0] = 9;
    const changes = [...records.slice(0, 3), broken, ...records.slice(3), { ...(records[1] as WireRecord), payload: newer.toString('base64') }].map((record) => ({ op: 'set', record }));
    const { report, undecodable } = await agent.request('applyRecords', { changes });
    const last = changes.length - 1;
    expect(undecodable.map((u: { index: number }) => u.index)).toEqual([3, last]);
    expect(report.results[3]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(report.results[last]).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(report.failed).toBe(2);
    expect(report.updated).toBe(records.length);
    expect(report.created).toBe(0);
    report.results.forEach((r: { ok: boolean; action?: string }, i: number) => i !== 3 && i !== last && expect(r, `change ${i}`).toEqual({ ok: true, action: 'updated' }));
  });

  it('flushes the table', async () => {
    await agent.request('flush', { table: 'conntrack' });
    expect(await listFlows(ns)).toEqual([]);
  });
});
