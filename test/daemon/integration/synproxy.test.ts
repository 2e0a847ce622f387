// A connection opened through SYNPROXY on fwa, replicated by two real half-syncd: fwb, in direct
// mode, holds it with the SYNPROXY state and the sequence adjustment fwa's kernel has (both come
// in UPDATE events as SYNPROXY learns them; test/daemon/kernel/synproxy.test.ts shows a copy
// without them stalls, and one with them carries the connection on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import type { DumpResult } from '../../../daemon/src/kernel/kernel-roles.js';
import { requireTool } from '../../helpers/tools.js';
import { KernelAgent } from '../kernel/helpers/agent-client.js';
import type { Netns } from '../kernel/helpers/netns.js';
import { synproxyRuleset } from '../kernel/helpers/rulesets.js';
import { clusterLab, startReplicating, type ClusterLab } from './fixtures/cluster-lab.js';
import { waitFor } from './fixtures/syncd-node.js';

describe('a connection opened through SYNPROXY, between two daemons', () => {
  let lab: ClusterLab;
  const agents: KernelAgent[] = [];

  beforeAll(async () => {
    requireTool('socat');
    lab = await clusterLab({ label: 'syncsyp', traffic: true, b: { mode: 'direct' } });
    for (const ns of ['fwa', 'fwb']) await lab.net.exec(ns, ['nft', '-f', '-'], { input: synproxyRuleset('lan0'), check: true });
    // SYNPROXY needs the client's ACK INVALID (not picked up as a connection)
    await lab.net.exec('fwa', ['sysctl', '-qw', 'net.netfilter.nf_conntrack_tcp_loose=0'], { check: true });
    await startReplicating(lab);
  });
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await lab?.cleanup();
  });

  const agentOf = new Map<string, KernelAgent>();
  async function flowIn(ns: string): Promise<ConntrackEntry | undefined> {
    let agent = agentOf.get(ns);
    if (agent === undefined) {
      agent = await KernelAgent.start({ name: lab.net.nsName(ns) } as Netns);
      agents.push(agent);
      agentOf.set(ns, agent);
    }
    const dump: DumpResult<ConntrackEntry> = await agent.request('dump', { table: 'conntrack', filter: { protocols: ['tcp'] } });
    return dump.entries.find((e) => e.orig.dport === 8080);
  }

  it("reaches fwb's kernel with its SYNPROXY state and sequence adjustment", async () => {
    lab.net.spawn('server', ['socat', 'TCP-LISTEN:8080,bind=198.51.100.2,reuseaddr,fork', 'EXEC:/bin/cat']);
    await waitFor('the server listening', async () => (await lab.net.exec('server', ['ss', '-Hltn', 'sport = :8080'])).stdout.includes(':8080'));
    // a client that sends a line, reads the echo, and keeps the connection open
    lab.net.spawn('client', ['sh', '-c', '(echo hello; sleep 60) | socat - TCP:198.51.100.2:8080']);
    let a: ConntrackEntry | undefined;
    await waitFor("fwa's connection, established", async () => (a = await flowIn('fwa'))?.seqAdjReply !== undefined);
    expect(a?.synproxy).toMatchObject({ isn: expect.any(Number), its: expect.any(Number), tsoff: expect.any(Number) });
    expect(a?.synproxy?.isn).not.toBe(0);
    let b: ConntrackEntry | undefined;
    await waitFor("fwb's copy with the SYNPROXY state", async () => {
      b = await flowIn('fwb');
      return b?.synproxy !== undefined && b.synproxy.tsoff === a?.synproxy?.tsoff && b.seqAdjReply !== undefined;
    }, 10_000).catch(() => undefined);
    expect(b?.synproxy).toEqual(a?.synproxy);
    expect(b?.seqAdjReply).toEqual(a?.seqAdjReply);
    expect(b?.reply).toEqual(a?.reply);
    expect((await lab.b.status()).counters.kernel['directFailed']).toBe(0);
  });
});
