// A real TCP connection through a masquerading firewall shows up in HALF's dump and events
// with both tuples: the client's original and the NATed reply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { Ips } from '../../../daemon/src/kernel/codec/ct-status.js';
import type { DumpResult, KernelEvent } from '../../../daemon/src/kernel/kernel-roles.js';
import { requireTool } from '../../helpers/tools.js';
import { KernelAgent } from './helpers/agent-client.js';
import { NAT_RULESET, Topology, waitForOutput } from './helpers/topology.js';

let topo: Topology;
let agent: KernelAgent;

beforeAll(async () => {
  requireTool('socat');
  requireTool('nft');
  topo = await Topology.create('tr', NAT_RULESET);
  agent = await KernelAgent.start(topo.fw);
});

afterAll(async () => {
  await agent?.stop();
  await topo?.destroy();
});

describe('a NATed TCP connection through the firewall', () => {
  it('appears in events and in the dump with its original and reply tuples', async () => {
    await agent.request('subscribe', { options: { expectations: false }, keep: 100 });
    const server = topo.spawnIn(topo.server, 'socat', ['TCP-LISTEN:8080,reuseaddr', 'EXEC:/bin/cat']);
    await waitForListen(topo, 8080);
    const client = topo.spawnIn(topo.client, 'socat', ['-', 'TCP:198.51.100.2:8080']);
    client.stdin?.write('hello through the firewall\n');
    await waitForOutput(client, 'hello through the firewall');
    expect(server.exitCode).toBeNull();

    const dump: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack', filter: { protocols: ['tcp'] } });
    const flow = dump.entries.find((e) => e.orig.dport === 8080) as ConntrackEntry;
    expect(flow.orig).toMatchObject({ src: '192.0.2.2', dst: '198.51.100.2', proto: 6, dport: 8080 });
    expect(flow.reply).toMatchObject({ src: '198.51.100.2', dst: '198.51.100.1', proto: 6, sport: 8080 });
    expect((flow.status ?? 0) & (Ips.srcNat | Ips.seenReply | Ips.assured)).toBe(Ips.srcNat | Ips.seenReply | Ips.assured);
    expect(flow.protoinfo).toMatchObject({ proto: 'tcp', state: 3 });

    const seen: { events: KernelEvent[] } = await agent.request('waitEvents', { name: 'conntrack:update', count: 1 }).then(() => agent.request('events'));
    const ours = seen.events.filter((e): e is Extract<KernelEvent, { table: 'conntrack' }> => e.table === 'conntrack' && e.entry.orig.dport === 8080);
    const created = ours.find((e) => e.type === 'new');
    expect(created?.entry.orig).toEqual(flow.orig);
    expect(created?.entry.reply).toEqual(flow.reply);
    expect(created?.originPort).toBe(0); // made by a packet, not by a netlink request
    expect(ours.some((e) => e.type === 'update' && e.entry.protoinfo?.proto === 'tcp' && e.entry.protoinfo.state === 3)).toBe(true);
  });
});

async function waitForListen(t: Topology, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await t.server.exec('ss', ['-Htln', `sport = :${port}`]);
    if (r.stdout.includes(`:${port}`)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port} in ${t.server.name}`);
}
