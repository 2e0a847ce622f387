// Entries made by the conntrack tool decode identically from our dumps, field by field against
// `conntrack -L -o xml`: every replicated protocol, IPv4 and IPv6, SNAT and DNAT, mark, zone,
// labels. (`conntrack -I` cannot attach a helper; helpers are checked where HALF or real FTP
// traffic attaches them: netlink-kernel-writer.test.ts, expectations.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { Ips } from '../../../daemon/src/kernel/codec/ct-status.js';
import { Cta } from '../../../daemon/src/kernel/codec/ctnetlink-attr.js';
import type { DumpResult } from '../../../daemon/src/kernel/kernel-roles.js';
import { fromRecord, toRecord, type KernelObject } from '../../../daemon/src/kernel/record-mapping.js';
import type { Table } from '../../../daemon/src/model/record.js';
import { requireTool } from '../../helpers/tools.js';
import { KernelAgent } from './helpers/agent-client.js';
import type { WireRecord } from './helpers/kernel-agent.js';
import { conntrack, listFlows, stateNumber, type OracleFlow } from './helpers/conntrack-oracle.js';
import { Netns } from './helpers/netns.js';
import { payloadAttrs } from './helpers/payload-attrs.js';
import { LABELS_RULESET } from './helpers/rulesets.js';

const CREATES: string[][] = [
  ['-s', '192.0.2.1', '-d', '198.51.100.1', '-p', 'tcp', '--sport', '1001', '--dport', '80', '--state', 'ESTABLISHED', '-u', 'SEEN_REPLY,ASSURED', '-m', '17'],
  ['-s', '192.0.2.2', '-d', '198.51.100.1', '-p', 'tcp', '--sport', '1002', '--dport', '80', '--state', 'SYN_SENT', '--src-nat', '203.0.113.1:4000', '-w', '3'],
  ['-s', '2001:db8::2', '-d', '2001:db8:1::1', '-p', 'tcp', '--sport', '1003', '--dport', '443', '--state', 'TIME_WAIT', '--dst-nat', '[2001:db8:2::80]:8443', '-u', 'SEEN_REPLY'],
  ['-s', '192.0.2.4', '-d', '198.51.100.53', '-p', 'udp', '--sport', '1004', '--dport', '53', '--dst-nat', '198.51.100.54', '-u', 'SEEN_REPLY'],
  ['-s', '2001:db8::5', '-d', '2001:db8::6', '-p', 'udplite', '--sport', '1005', '--dport', '5000', '-w', '9'],
  ['-s', '192.0.2.6', '-d', '198.51.100.6', '-p', 'sctp', '--sport', '1006', '--dport', '3868', '--state', 'ESTABLISHED', '--orig-vtag', '11', '--reply-vtag', '12', '-u', 'SEEN_REPLY,ASSURED'],
  ['-s', '192.0.2.7', '-d', '198.51.100.7', '-p', 'icmp', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '1007', '-w', '5'],
  ['-s', '2001:db8::8', '-d', '2001:db8::9', '-p', 'icmpv6', '--icmpv6-type', '128', '--icmpv6-code', '0', '--icmpv6-id', '1008', '-m', '8'],
  ['-s', '192.0.2.9', '-d', '198.51.100.9', '-p', 'gre', '--srckey', '1009', '--dstkey', '2009'],
  ['-s', '192.0.2.10', '-d', '198.51.100.10', '-p', 'dccp', '--sport', '1010', '--dport', '5004', '--state', 'OPEN', '--role', 'client'],
  // zones of one direction (the kernel puts them inside the tuple), and one of both
  ['-s', '192.0.2.11', '-d', '198.51.100.11', '-p', 'tcp', '--sport', '1011', '--dport', '80', '--state', 'ESTABLISHED', '-u', 'SEEN_REPLY,ASSURED', '--orig-zone', '5'],
  ['-s', '192.0.2.12', '-d', '198.51.100.12', '-p', 'udp', '--sport', '1012', '--dport', '53', '--src-nat', '203.0.113.12:5012', '--reply-zone', '6'],
  ['-s', '192.0.2.13', '-d', '198.51.100.13', '-p', 'udp', '--sport', '1013', '--dport', '53', '--zone', '7'],
];

let ns: Netns;
let agent: KernelAgent;
let flows: OracleFlow[];
let dump: DumpResult<ConntrackEntry>;

beforeAll(async () => {
  requireTool('conntrack');
  requireTool('nft');
  ns = await Netns.create('dmp');
  await ns.exec('nft', ['-f', '-'], { input: LABELS_RULESET, check: true });
  for (const args of CREATES) {
    const r = await conntrack(ns, ['-I', '-t', '300', ...args]);
    expect(r.exitCode, `conntrack -I ${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const label = await conntrack(ns, ['-U', '-s', '192.0.2.1', '-p', 'tcp', '--sport', '1001', '--label-add', 'l3,l100']);
  expect(label.exitCode, label.stderr).toBe(0);
  agent = await KernelAgent.start(ns);
  dump = await agent.request('dump', { table: 'conntrack' });
  flows = await listFlows(ns);
});

afterAll(async () => {
  await agent?.stop();
  await ns?.destroy();
});

describe('NetlinkKernelDumper against conntrack -L -o xml', () => {
  it('dumps every entry the tool made, and nothing undecodable', () => {
    expect(dump.undecodable, dump.errors.join('; ')).toBe(0);
    expect(flows).toHaveLength(CREATES.length);
    expect(dump.entries.map((e) => e.id).sort()).toEqual(flows.map((f) => f.id).sort());
  });

  it('decodes each entry field by field as the tool reports it', () => {
    for (const flow of flows) {
      const entry = dump.entries.find((e) => e.id === flow.id) as ConntrackEntry;
      const status = entry.status ?? 0;
      const label = `${flow.orig.proto} ${flow.orig.src}`;
      expect(entry.family, label).toBe(flow.family);
      expect(portsAsTool(entry.orig), label).toEqual(flow.orig);
      expect(portsAsTool(entry.reply), label).toEqual(flow.reply);
      expect(entry.mark, label).toBe(flow.mark);
      expect(entry.zone, label).toBe(flow.zone);
      expect(Math.abs((entry.timeout ?? -99) - flow.timeout), label).toBeLessThanOrEqual(2);
      expect((status & Ips.assured) !== 0, label).toBe(flow.assured);
      expect((status & Ips.seenReply) === 0, label).toBe(flow.unreplied);
      expect(entry.labels ?? [], label).toEqual(flow.labels);
      expect(entry.helper, label).toBe(flow.helper);
      if (flow.state !== undefined) expect(entry.protoinfo?.state, label).toBe(stateNumber(flow.state));
    }
  });

  it('sees NAT both ways: the reply tuples differ from the inverted originals', () => {
    const snat = dump.entries.find((e) => e.orig.src === '192.0.2.2') as ConntrackEntry;
    expect(snat.reply).toEqual({ src: '198.51.100.1', dst: '203.0.113.1', proto: 6, sport: 80, dport: 4000 });
    expect((snat.status ?? 0) & Ips.srcNat).toBe(Ips.srcNat);
    const dnat = dump.entries.find((e) => e.orig.src === '2001:db8::2') as ConntrackEntry;
    expect(dnat.reply).toEqual({ src: '2001:db8:2::80', dst: '2001:db8::2', proto: 6, sport: 8443, dport: 1003 });
    expect((dnat.status ?? 0) & Ips.dstNat).toBe(Ips.dstNat);
  });

  it('reads what the XML does not show: SCTP verification tags, ICMP ids, labels by bit', () => {
    const sctp = dump.entries.find((e) => e.orig.proto === 132) as ConntrackEntry;
    expect(sctp.protoinfo).toMatchObject({ proto: 'sctp', state: 4 });
    expect(sctp.protoinfo?.proto === 'sctp' && [sctp.protoinfo.vtagOrig, sctp.protoinfo.vtagReply].every((v) => typeof v === 'number')).toBe(true);
    const tcp = dump.entries.find((e) => e.orig.sport === 1001) as ConntrackEntry;
    expect(tcp.labels).toEqual([3, 100]);
  });

  it('takes the SYNPROXY state of zeros ctnetlink gives every entry it creates for none (records stay packable)', async () => {
    // (taken for state, it put 28 bytes into every record of such an entry and kept them from
    // packing: the standby's own entries after a takeover, and every benchmark entry)
    expect(dump.entries.filter((e) => e.synproxy !== undefined)).toEqual([]);
    const records = (await agent.request('dumpRecords', {})) as DumpResult<WireRecord>;
    expect(records.entries.length).toBe(dump.entries.length);
    for (const r of records.entries) expect(payloadAttrs(Buffer.from(r.payload, 'base64')).map((a) => a.type)).not.toContain(Cta.synproxy);
  });

  it('reads a zone of one direction into that tuple, a zone of both into the entry', () => {
    const zones = (src: string) => {
      const e = dump.entries.find((x) => x.orig.src === src) as ConntrackEntry;
      return [e.zone, e.orig.zone, e.reply.zone];
    };
    expect(zones('192.0.2.11')).toEqual([0, 5, undefined]);
    expect(zones('192.0.2.12')).toEqual([0, undefined, 6]);
    expect(zones('192.0.2.13')).toEqual([7, undefined, undefined]);
  });

  it('filters in the kernel by family and in HALF by address', async () => {
    const v6: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack', family: 'ipv6' });
    expect(v6.entries.map((e) => e.orig.src).sort()).toEqual(['2001:db8::2', '2001:db8::5', '2001:db8::8']);
    const filtered: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack', filter: { ignoreAddresses: ['192.0.2.0/28'], protocols: ['tcp', 'udp'] } });
    expect(filtered.entries.map((e) => e.orig.src)).toEqual(['2001:db8::2']);
    expect(filtered.filtered).toBe(CREATES.length - 1);
  });
});

describe('NetlinkKernelDumper.dumpConntrackRecords (a resync\'s dump, straight to records)', () => {
  // TCP, UDP and SCTP entries take the scanner's way (scan-record.ts), the labelled and DCCP ones
  // the decoder's: both must give toRecord of the decoded entry (the timeout ticks between dumps)
  it('gives each entry the record toRecord makes of the decoded entry', async () => {
    const records = (await agent.request('dumpRecords', {})) as DumpResult<WireRecord>;
    expect(records.undecodable, records.errors.join('; ')).toBe(0);
    const expected = new Map(dump.entries.map((e) => [Buffer.from(toRecord(e).key).toString('base64'), e]));
    expect(records.entries.map((r) => r.key).sort()).toEqual([...expected.keys()].sort());
    for (const wire of records.entries) {
      const entry = expected.get(wire.key) as ConntrackEntry;
      const label = `${entry.orig.proto} ${entry.orig.src}`;
      expect(wire.stateHash, label).toBe(String(toRecord(entry).stateHash));
      const decoded = fromRecord({ table: wire.table as Table, payload: Buffer.from(wire.payload, 'base64') });
      if (!decoded.ok) throw new Error(`${label}: ${decoded.error}`);
      expect(withoutTimeout(decoded.value), label).toEqual(withoutTimeout(fromRecordOf(entry)));
    }
  });

  it('filters by address and protocol as the entry dump does', async () => {
    const filtered = (await agent.request('dumpRecords', { filter: { ignoreAddresses: ['192.0.2.0/28'], protocols: ['tcp', 'udp'] } })) as DumpResult<WireRecord>;
    expect(filtered.entries).toHaveLength(1);
    expect(filtered.filtered).toBe(CREATES.length - 1);
  });
});

describe('NetlinkKernelDumper.countLabelled (does the kernel hold labelled connections?)', () => {
  it('counts the labelled entries the filter accepts, whichever way the others are read', async () => {
    expect(await agent.request('countLabelled', {})).toEqual({ labelled: 1 });
    expect(await agent.request('countLabelled', { filter: { ignoreAddresses: ['192.0.2.1/32'] } })).toEqual({ labelled: 0 });
    const add = await conntrack(ns, ['-U', '-s', '192.0.2.10', '-p', 'dccp', '--label-add', 'l7']);
    expect(add.exitCode, add.stderr).toBe(0);
    try {
      expect(await agent.request('countLabelled', {})).toEqual({ labelled: 2 });
    } finally {
      await conntrack(ns, ['-U', '-s', '192.0.2.10', '-p', 'dccp', '--label-del', 'l7']);
    }
    expect(await agent.request('countLabelled', {})).toEqual({ labelled: 1 });
  });
});

/** An entry as its record carries it (toRecord keeps what is replicated). */
function fromRecordOf(entry: ConntrackEntry): KernelObject {
  const decoded = fromRecord(toRecord(entry));
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value;
}

/** The timeout ticks between two dumps: compared without it. */
function withoutTimeout(object: KernelObject): KernelObject {
  return object.table === 'conntrack' ? { ...object, entry: { ...object.entry, timeout: 0 } } : object;
}

describe('NetlinkKernelDumper.getConntrack (one entry, as the kernel holds it now)', () => {
  it('reads the entry with an original tuple and zone, as a dump shows it', async () => {
    for (const wanted of dump.entries) {
      const got = (await agent.request('get', { key: { family: wanted.family, orig: wanted.orig, zone: wanted.zone } })) as ConntrackEntry;
      const label = `${wanted.orig.proto} ${wanted.orig.src}`;
      expect(got, label).not.toBeNull();
      expect({ ...got, timeout: 0, use: 0 }, label).toEqual({ ...wanted, timeout: 0, use: 0 });
    }
  });

  it('answers null for a tuple the table does not hold', async () => {
    const absent = { family: 'ipv4', orig: { src: '192.0.2.99', dst: '198.51.100.99', proto: 6, sport: 9, dport: 9 }, zone: 0 };
    expect(await agent.request('get', { key: absent })).toBeNull();
  });

  it('reads the sequence adjustments of a NAT helper, which no event carries', async () => {
    const adjusted: ConntrackEntry = {
      family: 'ipv4',
      orig: { src: '192.0.2.40', dst: '198.51.100.40', proto: 6, sport: 40040, dport: 21 },
      reply: { src: '198.51.100.40', dst: '192.0.2.40', proto: 6, sport: 21, dport: 40040 },
      status: Ips.seenReply | Ips.assured,
      timeout: 600,
      zone: 0,
      protoinfo: { proto: 'tcp', state: 3 },
      seqAdjOrig: { correctionPos: 123456, offsetBefore: 0, offsetAfter: 3 },
      seqAdjReply: { correctionPos: 0, offsetBefore: 0, offsetAfter: 0 },
    };
    await agent.request('apply', { ops: [{ op: 'set', entry: adjusted }] });
    const got = (await agent.request('get', { key: adjusted })) as ConntrackEntry;
    expect([got.seqAdjOrig, got.seqAdjReply]).toEqual([adjusted.seqAdjOrig, adjusted.seqAdjReply]);
    expect((got.status ?? 0) & Ips.seqAdjust).toBe(Ips.seqAdjust);
    await agent.request('apply', { ops: [{ op: 'delete', entry: adjusted }] });
  });
});

/** The tool prints sport/dport 0 for protocols the kernel does not track by port (DCCP on
 * kernels without DCCP conntrack): compare against what the kernel sent. */
function portsAsTool(t: ConntrackEntry['orig']): ConntrackEntry['orig'] {
  if (t.proto === 33 && t.sport === undefined) return { ...t, sport: 0, dport: 0 };
  return t;
}
