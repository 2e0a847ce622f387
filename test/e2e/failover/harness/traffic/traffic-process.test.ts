// The traffic generator end to end without a firewall in between: a client and the server in
// two namespaces of the test's own, real sockets. Every flow echoes, the FTP session streams,
// completes a pending transfer (PORT on SIGHUP, RETR on SIGUSR2) and runs a second transfer on
// request, the server sees each flow's true source, and both processes write their results when
// told to stop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../../helpers/netns.js';
import { probeTcp } from '../probe.js';
import { sleep, waitUntil } from '../processes.js';
import type { ClientConfig, ClientResult, ServerConfig, ServerResult } from './results.js';
import { startTrafficProcess } from './traffic-process.js';

const net = createNamespaces('fotraffic');
let dir: string;
let client: ClientResult;
let server: ServerResult;
let liveSeen: { live: number; total: number } | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-traffic-'));
  await net.addNs('tom');
  await net.addNs('gateway');
  await net.veth('tom', 'eth0', 'gateway', 'eth0');
  await net.addr('tom', 'eth0', '198.51.100.10/24');
  await net.addr('gateway', 'eth0', '198.51.100.128/24');
  const serverConfig: ServerConfig = { tcpPort: 7000, udpPort: 7001, ftpPort: 21, ftpDataIntervalMs: 50, resultFile: join(dir, 'gateway.json') };
  const clientConfig: ClientConfig = {
    host: 'tom', server: '198.51.100.128', tcpPort: 7000, udpPort: 7001, ftpPort: 21, tcpFlows: 5, udpFlows: 3,
    tcpLocalPorts: [20000, 20001], udpLocalPorts: [21000], firstFlowId: 1, intervalMs: 50, ftp: true,
    localAddress: '198.51.100.10', lanServicePort: 7007, connectConcurrency: 2, resultFile: join(dir, 'tom.json'),
  };
  const s = startTrafficProcess<ServerResult>(net, 'gateway', 'flow-server-main.ts', serverConfig);
  await s.waitReady(30_000);
  const c = startTrafficProcess<ClientResult>(net, 'tom', 'flow-client-main.ts', clientConfig);
  await c.waitReady(30_000);
  await waitUntil(() => c.live !== undefined, 5000, 'a live report');
  liveSeen = c.live;
  expect((await probeTcp(net, 'gateway', '198.51.100.10', 7007)).connected).toBe(true);
  await c.ask('SIGHUP', 'armed', 10_000, 'the pending transfer\'s PORT answered');
  c.signal('SIGUSR2');
  await sleep(1500);
  client = await c.finish(10_000);
  server = await s.finish(10_000);
}, 120_000);
afterAll(async () => {
  await net.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('traffic processes', () => {
  it('report every flow live once ready', () => {
    expect(liveSeen).toMatchObject({ live: 10, total: 10 });
  });

  it('echo on every flow, with no wrong echo and no error', () => {
    expect(client.flows.map((f) => f.kind)).toEqual(['tcp', 'tcp', 'tcp', 'tcp', 'tcp', 'udp', 'udp', 'udp', 'ftp-control', 'ftp-data']);
    for (const f of client.flows) {
      expect(f.echoes.length, `${f.kind} ${f.flowId}`).toBeGreaterThan(10);
      expect(f.badEchoes).toEqual([]);
      expect(f.errors).toEqual([]);
    }
    expect(client.flows.filter((f) => f.collides).map((f) => f.localPort).sort()).toEqual([20000, 20001, 21000]);
  });

  it('let the server see each flow from its true source (no NAT here)', () => {
    const views = new Map(server.flows.map((v) => [v.flowId, v]));
    for (const f of client.flows.filter((x) => x.kind === 'tcp' || x.kind === 'udp' || x.kind === 'ftp-control')) {
      expect(views.get(f.flowId)).toMatchObject({ kind: f.kind, address: '198.51.100.10', port: f.localPort, changes: [] });
    }
    expect(server.ftpPortCommands.map((c) => c.address)).toEqual(['198.51.100.10', '198.51.100.10', '198.51.100.10']);
  });

  it('on SIGUSR2 complete the transfer SIGHUP armed, then run a second one, each over a new data connection', () => {
    expect(client.ftpPendingTransfers).toHaveLength(1);
    expect(client.ftpPendingTransfers[0]).toMatchObject({ ok: true, detail: '16384 of 16384 bytes, "226 transfer complete"' });
    expect(client.ftpPendingTransfers[0]!.armedAt).toBeLessThan(client.ftpPendingTransfers[0]!.at);
    expect(client.ftpLateTransfers).toHaveLength(1);
    expect(client.ftpLateTransfers[0]).toMatchObject({ ok: true, detail: '16384 of 16384 bytes, "226 transfer complete"' });
    expect(server.ftpDataConnections).toBe(3);
  });
});
