// `half flush` and `half resync` as an admin runs them (the CLI, its --json answer) against two
// real half-syncd in network namespaces (fixtures/cluster-lab.ts): the standby empties its copy
// of the primary's table and gets it back from a resync it asks for; the primary empties its own
// cache and re-reads it from its kernel; at the end a commit on the standby still recreates the
// primary's table exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/tools.js';
import { clusterLab, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, listFlows, replicable, tableLines } from './fixtures/conntrack-table.js';
import { HALF_CLI, waitFor, type SyncdNode } from './fixtures/syncd-node.js';

const keep = replicable(OWN_ADDRESSES);
const ENTRIES = 300;

/** `half ARGS --json` against `node`'s daemon; the parsed answer. */
async function half(node: SyncdNode, ...args: string[]): Promise<Record<string, unknown>> {
  const cli = await run(process.execPath, ['--import', 'tsx', HALF_CLI, ...args, '--json', '--config', node.confFile]);
  expect(cli.exitCode, cli.stderr).toBe(0);
  return JSON.parse(cli.stdout) as Record<string, unknown>;
}

describe('half flush and half resync against running daemons', () => {
  let lab: ClusterLab;

  beforeAll(async () => {
    lab = await clusterLab({ label: 'syncctl' });
    await Promise.all([lab.a.start(), lab.b.start()]);
    await lab.a.notify('MASTER', 'half_lan0', 150);
    await lab.b.notify('BACKUP');
    await waitFor('fwa sender, fwb following it', async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.node.role === 'sender' && b.peers.some((p) => p.nodeId === 1 && p.joined);
    });
    await conntrackBatch(lab.net, 'fwa', batchLines(ENTRIES, 0));
    await waitFor(`fwb holding fwa's ${ENTRIES} entries`, async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.tables.internal === ENTRIES && a.stream.resendQueue === 0 && b.tables.external === ENTRIES;
    });
  });
  afterAll(() => lab?.cleanup());

  it('empties the standby\'s copy, and refills it from the resync it asks for', async () => {
    const before = (await lab.a.status()).summary.resyncs;
    expect(await half(lab.b, 'flush', 'external')).toEqual({ target: 'external', internal: 0, external: ENTRIES });
    expect((await lab.b.status()).tables.external).toBe(0);
    expect((await lab.a.status()).tables.internal).toBe(ENTRIES); // the primary's own cache is untouched
    expect(await half(lab.b, 'resync')).toEqual({ source: 'peers', count: 1 });
    await waitFor('fwb holding the table again', async () => (await lab.b.status()).tables.external === ENTRIES, 20_000);
    expect((await lab.a.status()).summary.resyncs).toBeGreaterThan(before);
    expect(lab.b.output).toMatch(/caches flushed by request/);
  });

  it('empties the primary\'s own cache, and re-reads it from its kernel', async () => {
    expect(await half(lab.a, 'flush', 'internal')).toEqual({ target: 'internal', internal: ENTRIES, external: 0 });
    expect((await lab.a.status()).tables.internal).toBe(0);
    expect(await half(lab.a, 'resync', 'kernel')).toEqual({ source: 'kernel', count: ENTRIES });
    await waitFor('fwa holding its table again, fwb in step', async () => {
      const [a, b] = await Promise.all([lab.a.status(), lab.b.status()]);
      return a.tables.internal === ENTRIES && a.stream.resendQueue === 0 && b.tables.external === ENTRIES;
    }, 20_000);
    // what the standby holds still recreates the primary's table exactly
    await lab.net.exec('fwb', ['conntrack', '-F'], { check: true });
    const summary = (await lab.b.request({ cmd: 'commit' })) as { entries: number; failed: number };
    expect(summary).toMatchObject({ entries: ENTRIES, failed: 0 });
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toEqual(tableLines(await listFlows(lab.net, 'fwa'), keep));
  });
});
