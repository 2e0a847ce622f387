// A TCP connection opened through SYNPROXY (nft's `synproxy` statement on the firewall's forward
// path, against SYN floods): the firewall answers the client's SYN itself with a cookie, opens the
// connection to the server only after the client's ACK, and from then on rewrites every packet
// of the connection by what it kept: the sequence adjustment (the server's ISN is not the
// cookie) and its synproxy state (struct nf_conn_synproxy: ISN, timestamp, timestamp offset).
// HALF reads both from the kernel (dumps and events, CTA_SEQ_ADJ_* and CTA_SYNPROXY) and writes
// them back: a connection deleted from the firewall's table and created again from its record,
// as a standby creates it at a takeover, or written again from its events as a standby in direct
// mode does, carries on. Without the SYNPROXY state (the sequence adjustment alone) it stalls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import type { ApplyReport, DumpResult, KernelEvent } from '../../../daemon/src/kernel/kernel-roles.js';
import { mergeEntry } from '../../../daemon/src/kernel/codec/ct-decode.js';
import { toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { requireTool } from '../../helpers/tools.js';
import { KernelAgent } from './helpers/agent-client.js';
import { synproxyRuleset } from './helpers/rulesets.js';
import { Topology, waitForOutput } from './helpers/topology.js';
import { toWire, type WireRecord } from './helpers/wire-record.js';

let topo: Topology;
let agent: KernelAgent;

beforeAll(async () => {
  requireTool('socat');
  requireTool('nft');
  topo = await Topology.create('syp', synproxyRuleset('f0'));
  // no NAT here: the server routes the client's network back through the firewall; SYNPROXY
  // needs the client's ACK to be INVALID (not picked up as a connection), hence tcp_loose 0
  await topo.server.sh('ip route add 192.0.2.0/24 via 198.51.100.1');
  await topo.fw.sh('sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0');
  agent = await KernelAgent.start(topo.fw);
  await agent.request('subscribe', { options: { expectations: false }, keep: 200 });
});

afterAll(async () => {
  await agent?.stop();
  await topo?.destroy();
});

async function flowOf(): Promise<ConntrackEntry | undefined> {
  const dump: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack', filter: { protocols: ['tcp'] } });
  return dump.entries.find((e) => e.orig.dport === 8080);
}

describe('a connection opened through SYNPROXY', () => {
  let client: ReturnType<Topology['spawnIn']>;
  let flow: ConntrackEntry;
  let events: Extract<KernelEvent, { table: 'conntrack' }>[];
  let lines = 0;

  /** One more line through the connection, echoed by the server. */
  async function roundTrip(): Promise<void> {
    const line = `line ${++lines} through the firewall`;
    client.stdin?.write(`${line}\n`);
    await waitForOutput(client, line, 5_000);
  }

  /** Deletes the connection from the firewall's table, and checks it is gone. */
  async function deleteFlow(): Promise<void> {
    const deleted: ApplyReport = await agent.request('apply', { ops: [{ op: 'delete', entry: flow }] });
    expect(deleted.results).toEqual([{ ok: true, action: 'deleted' }]);
    expect(await flowOf()).toBeUndefined();
  }

  async function writeRecords(entries: readonly ConntrackEntry[]): Promise<void> {
    for (const entry of entries) {
      const { report } = await agent.request<{ report: ApplyReport }>('applyRecords', { changes: [{ op: 'set', record: toWire(toRecord(entry)) }] });
      expect(report.failed, JSON.stringify(report.results)).toBe(0);
    }
  }

  it('is dumped with its SYNPROXY state and sequence adjustment, and its events carry both', async () => {
    topo.spawnIn(topo.server, 'socat', ['TCP-LISTEN:8080,reuseaddr', 'EXEC:/bin/cat']);
    for (let i = 0; i < 100 && !(await topo.server.exec('ss', ['-Htln', 'sport = :8080'])).stdout.includes(':8080'); i++) await new Promise((r) => setTimeout(r, 50));
    client = topo.spawnIn(topo.client, 'socat', ['-', 'TCP:198.51.100.2:8080']);
    await roundTrip();
    flow = (await flowOf()) as ConntrackEntry;
    expect(flow.synproxy).toMatchObject({ isn: expect.any(Number), its: expect.any(Number), tsoff: expect.any(Number) });
    expect(flow.synproxy?.isn).not.toBe(0);
    // the server's ISN is not the cookie the client got: its direction is shifted by the difference
    expect(flow.seqAdjReply?.offsetAfter).not.toBe(0);
    // the kernel announces them as SYNPROXY learns them (IPCT_SYNPROXY, IPCT_SEQADJ): folded as
    // the daemon folds UPDATE events, they make what the dump shows
    const seen: { events: KernelEvent[] } = await agent.request('events');
    events = seen.events.filter((e): e is Extract<KernelEvent, { table: 'conntrack' }> => e.table === 'conntrack' && e.entry.orig.dport === 8080);
    expect(events[0]?.type).toBe('new');
    expect(events.some((e) => e.type === 'update' && e.entry.synproxy !== undefined)).toBe(true);
    expect(events.some((e) => e.type === 'update' && e.entry.seqAdjReply !== undefined)).toBe(true);
    const folded = events.slice(1).reduce((held, e) => mergeEntry(held, e.entry), (events[0] as (typeof events)[number]).entry);
    expect(folded.synproxy).toEqual(flow.synproxy);
    expect(folded.seqAdjReply).toEqual(flow.seqAdjReply);
    // a resync's dump makes records straight from the attributes (the scanner's way): the same bytes
    const records = (await agent.request('dumpRecords', { filter: { protocols: ['tcp'] } })) as DumpResult<WireRecord>;
    const record = records.entries.find((r) => r.key === toWire(toRecord(flow)).key);
    expect(record?.stateHash).toBe(String(toRecord(flow).stateHash));
  });

  it('carries on after being deleted and created again from its record (a commit at takeover)', async () => {
    await deleteFlow();
    await writeRecords([flow]);
    const again = (await flowOf()) as ConntrackEntry;
    expect(again.synproxy).toEqual(flow.synproxy);
    expect(again.seqAdjReply).toEqual(flow.seqAdjReply);
    await roundTrip();
  });

  it('carries on after being deleted and written again event by event (a standby in direct mode)', async () => {
    await deleteFlow();
    // the NEW event's record creates the copy, each UPDATE's record (folded into the held entry) updates it
    const records: ConntrackEntry[] = [];
    for (const e of events) records.push(records.length === 0 ? e.entry : mergeEntry(records.at(-1) as ConntrackEntry, e.entry));
    await writeRecords(records);
    const again = (await flowOf()) as ConntrackEntry;
    expect(again.synproxy).toEqual(flow.synproxy);
    expect(again.seqAdjReply).toEqual(flow.seqAdjReply);
    await roundTrip();
  });
});
