// Two real half-syncd in network namespaces (fixtures/cluster-lab.ts): what fwa's kernel tracks
// reaches fwb's external cache, and a commit on fwb (the control socket's `commit`, what `half
// commit` sends; the CLI itself runs in control-commands.test.ts) recreates it in fwb's kernel with the
// same tuples (NAT included), state, mark and zone, as `conntrack -L -o xml` shows on both sides.
// Entries come from `conntrack -R` batches and from real TCP/UDP connections through fwa
// (masqueraded). Flows of the firewalls' own addresses, of the sync link and of protocols left
// out by [filter] are not replicated; deletes propagate; `half status` and the metrics endpoint
// show the counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/tools.js';
import { parseWithPrometheusClient } from '../metrics/fixtures/prometheus-parser.js';
import { clusterLab, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, deleteLines, listFlows, replicable } from './fixtures/conntrack-table.js';
import { commitOnStandbyAndCompare, standbyHolds, startPrimaryAndStandby } from './fixtures/pair-steps.js';
import { HALF_CLI } from './fixtures/syncd-node.js';
import { openConnections, startEchoServer } from './fixtures/traffic.js';

const keep = replicable(OWN_ADDRESSES);

describe('half-syncd replication between two namespaces', () => {
  let lab: ClusterLab;

  beforeAll(async () => {
    lab = await clusterLab({ label: 'syncrep', traffic: true });
    await startPrimaryAndStandby(lab);
  });
  afterAll(() => lab?.cleanup());

  /** Waits until fwa replicates what its kernel holds and fwb holds all of it; returns the count. */
  async function converged(): Promise<number> {
    const count = (await listFlows(lab.net, 'fwa')).filter(keep).length;
    await standbyHolds(lab, count);
    return count;
  }

  /** Empties fwb's kernel table, commits its external cache, and compares both tables. */
  const commitAndCompare = (): Promise<string[]> => commitOnStandbyAndCompare(lab, keep);

  it('replicates conntrack -R batches with marks and zones, and commit recreates them exactly', async () => {
    await conntrackBatch(lab.net, 'fwa', batchLines(400, 0));
    const count = await converged();
    expect(count).toBe(400);
    const lines = await commitAndCompare();
    expect(lines.some((l) => / mark=33 /.test(l))).toBe(true);
    // zones of both directions, and of one direction alone (inside that tuple)
    // (batchLines: entries 0, 15, 30, … zone 2 original; 5, 20, … zone 3 reply; 10, 25, … zone 1)
    expect(lines.filter((l) => / mark=\d+ zone=1/.test(l))).toHaveLength(26);
    expect(lines.filter((l) => /^ipv4 \d+ \S+ \d+>\d+ zone=2 \|/.test(l))).toHaveLength(27);
    expect(lines.filter((l) => /\| \d+ \S+ \d+>\d+ zone=3 \|/.test(l))).toHaveLength(27);
  });

  it('replicates real TCP and UDP connections with their NAT, and leaves out own, sync and ICMP flows', async () => {
    await startEchoServer(lab.net, 'server', '198.51.100.2', 8080, 5353);
    await openConnections(lab.net, 'client', '198.51.100.2', 8080, 5353, 40, 20);
    // flows the filter must leave out: the firewall's own connection, ICMP through it
    await openConnections(lab.net, 'fwa', '198.51.100.2', 8080, 5353, 3, 2);
    await lab.net.exec('client', ['ping', '-c', '2', '-i', '0.2', '198.51.100.2'], { check: true });
    const count = await converged();
    const flows = await listFlows(lab.net, 'fwa');
    const natted = flows.filter((f) => f.orig.src === '192.0.2.2' && f.reply.dst === '198.51.100.1');
    expect(natted.filter((f) => f.orig.proto === 6 && f.state === 'ESTABLISHED').length).toBe(40);
    expect(natted.filter((f) => f.orig.proto === 17).length).toBe(20);
    expect(flows.some((f) => f.orig.proto === 1)).toBe(true);
    expect(flows.some((f) => f.orig.src === '198.51.100.1')).toBe(true);
    expect(flows.some((f) => f.orig.src === '203.0.113.1' || f.orig.src === '203.0.113.2')).toBe(true);
    expect(count).toBe(flows.filter(keep).length);
    const lines = await commitAndCompare();
    expect(lines.filter((l) => l.includes('| 6 198.51.100.2>198.51.100.1')).length).toBe(40);
  });

  it('propagates deletes', async () => {
    await conntrackBatch(lab.net, 'fwa', deleteLines(400, 0, 4));
    const count = await converged();
    expect(count).toBe(400 - 100 + 60);
    await commitAndCompare();
  });

  it('shows the cluster in `half status --json` and the counters on the metrics endpoint', async () => {
    // (--socket: the CLI would read the lab's half.conf as invalid, its resync-file being in the state directory)
    const cli = await run(process.execPath, ['--import', 'tsx', HALF_CLI, 'status', '--json', '--config', lab.b.confFile, '--socket', lab.b.socket]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const status = JSON.parse(cli.stdout) as import('../../../daemon/src/control/status-model.js').DaemonStatus;
    expect(status.node).toMatchObject({ id: 2, role: 'receiver', ha: 'BACKUP', mode: 'external-cache' });
    const peer = status.peers.find((p) => p.nodeId === 1);
    expect(peer).toMatchObject({ state: 'up', joined: true, role: 'sender', externalEntries: status.tables.external });
    expect(status.summary.recordsApplied).toBeGreaterThanOrEqual(status.tables.external);
    expect(status.commits.count).toBe(3);
    expect(status.commits.last?.failed).toBe(0);

    const a = await lab.a.status();
    expect(a.summary.eventsIn).toBeGreaterThan(400);
    expect(a.summary.eventsOut).toBeGreaterThanOrEqual(a.tables.internal);
    expect(a.counters.kernel['filtered']).toBeGreaterThan(0);
    expect(a.latency.replicationLagMs.count).toBeGreaterThan(0);
    expect(a.peers[0]?.followsUs).toBe(true);

    const scrape = await lab.net.exec('fwa', ['curl', '-sf', 'http://127.0.0.1:9477/metrics'], { check: true });
    const families = await parseWithPrometheusClient(scrape.stdout);
    const value = (name: string, labels: Record<string, string> = {}): number => {
      const family = families.find((f) => f.samples.some((s) => s.name === name));
      const sample = family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      if (sample === undefined) throw new Error(`metric ${name} ${JSON.stringify(labels)} missing`);
      return Number(sample.value);
    };
    expect(value('half_events_in_total')).toBeGreaterThan(400);
    expect(value('half_events_out_total')).toBeGreaterThan(0);
    expect(value('half_table_entries', { table: 'internal' })).toBe(a.tables.internal);
    expect(value('half_peer_up', { peer: '2' })).toBe(1);
    expect(value('half_replication_lag_seconds_count')).toBeGreaterThan(0);
    expect(value('half_dropped_frames_total', { reason: 'forged' })).toBe(0);
    // the endpoint's own requests show in the status, with the control socket's
    await lab.net.exec('fwa', ['curl', '-s', '-o', '/dev/null', 'http://127.0.0.1:9477/nothing'], { check: true });
    expect((await lab.a.status()).counters.control).toMatchObject({ metricsScrapes: 1, metricsNotFound: 1, metricsRenderErrors: 0 });
  });
});
