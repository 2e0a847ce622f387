// FTP expectations of control connections in a zone. The kernel reports an expectation without
// its zone (ctnetlink_exp_dump_expect puts no CTA_EXPECT_ZONE), and finds the expectation's
// master by it: recreating the expectation on a second firewall as dumped fails (ENOENT) for a
// master in a zone of both directions or of the original one. HALF gives the expectation the
// zone its master's record has (MasterZones, daemon/src/runtime/master-zones.ts): with it the
// master is read back (the read-back of a helper's sequence adjustment) and the expectation is
// created on the second firewall, for each kind of zone nftables can set. A master in a zone of
// the reply direction alone is found under 0, but the kernel updates and deletes its
// expectations by the zone's number (nf_ct_exp_zone_equal_any): the expectation keeps 0 to be
// created under and carries that number (masterReplyZone), which its record key has. A stale
// purge deletes it under that zone too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConntrackEntry, Expectation } from '../../../daemon/src/kernel/ct-entry.js';
import type { DumpResult } from '../../../daemon/src/kernel/kernel-roles.js';
import { conntrackKey } from '../../../daemon/src/kernel/record-key.js';
import { MasterZones, zoneNumberOf } from '../../../daemon/src/runtime/master-zones.js';
import { requireTool } from '../../helpers/tools.js';
import { KernelAgent } from './helpers/agent-client.js';
import { toWire, type WireRecord } from './helpers/wire-record.js';
import { expectationToRecord, toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { FtpScripts } from './helpers/ftp-session.js';
import { Netns } from './helpers/netns.js';
import { ftpRuleset } from './helpers/rulesets.js';
import { NAT_RULESET, Topology } from './helpers/topology.js';

const ZONE = 5;

/** The FTP firewall of expectations.test.ts, every packet in zone 5 of `direction`. */
const ftpZoneRuleset = (direction: 'both' | 'original' | 'reply'): string => ftpRuleset('f0', { direction, id: ZONE }) + NAT_RULESET;

function stripVolatile(x: Expectation): Omit<Expectation, 'timeout' | 'id'> {
  const { timeout: _t, id: _i, ...rest } = x;
  return rest;
}

const KINDS = [
  { name: 'both directions', direction: 'both', masterZone: ZONE, masterReplyZone: undefined },
  { name: 'the original direction', direction: 'original', masterZone: ZONE, masterReplyZone: undefined },
  { name: 'the reply direction', direction: 'reply', masterZone: 0, masterReplyZone: ZONE },
] as const;

let scripts: FtpScripts;

beforeAll(async () => {
  requireTool('socat');
  requireTool('nft');
  scripts = await FtpScripts.create();
});

afterAll(async () => {
  await scripts?.remove();
});

describe.each(KINDS)('an FTP expectation whose master has zone 5 of $name', ({ direction, masterZone, masterReplyZone }) => {
  let topo: Topology;
  let agent: KernelAgent;
  let original: Expectation;
  let resolved: Expectation;

  beforeAll(async () => {
    topo = await Topology.create(`fz${direction.charAt(0)}`, ftpZoneRuleset(direction));
    agent = await KernelAgent.start(topo.fw);
  });

  afterAll(async () => {
    await agent?.stop();
    await topo?.destroy();
  });

  it('is reported without the zone; the zone its master is held under finds the master', async () => {
    await scripts.passiveSession(topo);

    const dump: DumpResult<Expectation> = await agent.request('dump', { table: 'expectation' });
    expect(dump.entries).toHaveLength(1);
    original = dump.entries[0] as Expectation;
    expect(original.zone, 'the kernel reports no CTA_EXPECT_ZONE').toBe(0);
    const ct: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack' });
    const master = ct.entries.find((e) => e.orig.dport === 21) as ConntrackEntry;
    expect(master.helper).toBe('ftp');

    // the sender's way: zones noted from the connections with a helper, the master probed in the table
    const zones = new MasterZones();
    const held = new Map<string, number>();
    for (const entry of ct.entries) {
      zones.noteEntry(entry);
      held.set(Buffer.from(conntrackKey(entry)).toString('hex'), zoneNumberOf(toRecord(entry)));
    }
    resolved = zones.withMasterZone(original, (key) => held.get(Buffer.from(key).toString('hex')));
    expect(resolved.zone).toBe(masterZone);
    expect(resolved.masterReplyZone).toBe(masterReplyZone);
    const readBack: ConntrackEntry | null = await agent.request('get', { key: { family: original.family, orig: original.master, zone: resolved.zone } });
    expect(readBack?.id).toBe(master.id);
    if (masterZone !== 0) {
      // the zone as the kernel reported it does not find the master
      expect(await agent.request('get', { key: { family: original.family, orig: original.master, zone: original.zone } })).toBeNull();
    }
  });

  it('is created on a second firewall with that zone, under its master (as dumped, only for a reply-direction zone)', async () => {
    const records: WireRecord[] = await agent.request('dumpRecords', {}).then((d: { entries: WireRecord[] }) => d.entries);
    const peer = await Netns.create(`fzp${direction.charAt(0)}`);
    let peerAgent: KernelAgent | undefined;
    try {
      peerAgent = await KernelAgent.start(peer);
      await peer.exec('nft', ['-f', '-'], { input: ftpZoneRuleset(direction), check: true });
      const masters = await peerAgent.request<{ report: { failed: number } }>('applyRecords', { changes: records.map((record) => ({ op: 'set', record })) });
      expect(masters.report.failed).toBe(0);
      const asDumped = await peerAgent.request<{ report: { failed: number; results: { ok: boolean; code?: string }[] } }>('applyRecords', { changes: [{ op: 'set', record: toWire(expectationToRecord(original)) }] });
      expect(asDumped.report.results[0]?.ok).toBe(masterZone === 0);
      if (masterZone !== 0) expect(asDumped.report.results[0]?.code).toBe('ENOENT');
      // created, and its timeout set afterwards (an update, which finds it under the master's number)
      const { report } = await peerAgent.request<{ report: { failed: number } }>('applyRecords', { changes: [{ op: 'set', record: toWire(expectationToRecord({ ...resolved, timeout: 77 })) }] });
      expect(report.failed).toBe(0);
      const exp: DumpResult<Expectation> = await peerAgent.request('dump', { table: 'expectation' });
      expect(exp.entries.map(stripVolatile)).toEqual([stripVolatile(original)]);
      expect(exp.entries[0]?.timeout).toBeLessThanOrEqual(77);
      expect((await peer.exec('conntrack', ['-L', 'expect'], { check: true })).stdout).toMatch(/dport=50000/);

      // sent again (a resync, a repair): updated in place, the same expectation (its id kept)
      const again = await peerAgent.request<{ report: { results: { ok: boolean; action?: string }[] } }>('applyRecords', { changes: [{ op: 'set', record: toWire(expectationToRecord({ ...resolved, timeout: 60 })) }] });
      expect(again.report.results).toEqual([{ ok: true, action: 'updated' }]);
      const afterAgain: DumpResult<Expectation> = await peerAgent.request('dump', { table: 'expectation' });
      expect(afterAgain.entries.map((x) => x.id)).toEqual([exp.entries[0]?.id]);
      expect(afterAgain.entries[0]?.timeout).toBeLessThanOrEqual(60);

      // deleted by its record's key, as a peer's delete arrives; the key as dumped (zone 0) finds nothing
      const remove = async (x: Expectation) => {
        const changes = [{ op: 'delete', record: toWire(expectationToRecord(x)) }];
        return (await peerAgent?.request<{ report: { results: { ok: boolean; action?: string }[] } }>('applyRecords', { changes }))?.report.results[0];
      };
      expect(await remove(original)).toEqual({ ok: true, action: 'absent' });
      expect((await peerAgent.request<DumpResult<Expectation>>('dump', { table: 'expectation' })).entries).toHaveLength(1);
      expect(await remove(resolved)).toEqual({ ok: true, action: 'deleted' });
      expect((await peerAgent.request<DumpResult<Expectation>>('dump', { table: 'expectation' })).entries).toHaveLength(0);
    } finally {
      await peerAgent?.stop();
      await peer.destroy();
    }
  });

  it('is deleted by a stale purge under its master\'s zone, before its master', async () => {
    const before: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack' });
    expect(before.entries.length).toBeGreaterThan(0);
    const { summary, expectationResults } = await agent.request<{ summary: { deleted: number; failed: number }; expectationResults: unknown[] }>('purge', {});
    // the dumped zone (0) finds no such expectation: it would be "absent", and go only with its master
    expect(expectationResults).toEqual([{ ok: true, action: 'deleted' }]);
    expect(summary).toMatchObject({ deleted: before.entries.length + 1, failed: 0 });
    expect((await agent.request<DumpResult<Expectation>>('dump', { table: 'expectation' })).entries).toHaveLength(0);
    expect((await agent.request<DumpResult<ConntrackEntry>>('dump', { table: 'conntrack' })).entries).toHaveLength(0);
  });
});
