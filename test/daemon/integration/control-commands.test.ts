// `half flush`, `half resync` and `half commit` as an admin runs them (the CLI, its --json answer) against two
// real half-syncd in network namespaces (fixtures/cluster-lab.ts): the standby empties its copy
// of the primary's table and gets it back from a resync it asks for; the primary empties its own
// cache and re-reads it from its kernel; at the end a commit on the standby still recreates the
// primary's table exactly. The resync's records travel packed, many to a datagram.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterKey } from '../../../daemon/src/config/cluster-key.js';
import { loadHalfConf } from '../../../daemon/src/config/load-config.js';
import { daemonRunsWith } from '../../../daemon/src/configure/daemon-config.js';
import { run } from '../../helpers/tools.js';
import { clusterLab, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, listFlows, replicable, tableLines } from './fixtures/conntrack-table.js';
import { commitOnStandbyAndCompare, standbyHolds, startPrimaryAndStandby } from './fixtures/pair-steps.js';
import { HALF_CLI, waitFor, type SyncdNode } from './fixtures/syncd-node.js';

const keep = replicable(OWN_ADDRESSES);
const ENTRIES = 300;

/** `half ARGS --json` against `node`'s daemon; the parsed answer. */
async function half(node: SyncdNode, ...args: string[]): Promise<Record<string, unknown>> {
  // --socket as well: the lab's resync-file is in its state directory, which half.conf allows
  // only to half-syncd (given --state-dir), so the CLI reads that half.conf as invalid
  const cli = await run(process.execPath, ['--import', 'tsx', HALF_CLI, ...args, '--json', '--config', node.confFile, '--socket', node.socket]);
  expect(cli.exitCode, cli.stderr).toBe(0);
  return JSON.parse(cli.stdout) as Record<string, unknown>;
}

describe('half flush and half resync against running daemons', () => {
  let lab: ClusterLab;

  beforeAll(async () => {
    lab = await clusterLab({ label: 'syncctl' });
    await startPrimaryAndStandby(lab);
    await conntrackBatch(lab.net, 'fwa', batchLines(ENTRIES, 0));
    await standbyHolds(lab, ENTRIES);
  });
  afterAll(() => lab?.cleanup());

  it('empties the standby\'s copy, and refills it from the resync it asks for', async () => {
    const primary = await lab.a.status();
    const before = primary.summary.resyncs;
    expect(await half(lab.b, 'flush', 'external')).toEqual({ target: 'external', internal: 0, external: ENTRIES });
    expect((await lab.b.status()).tables.external).toBe(0);
    expect((await lab.a.status()).tables.internal).toBe(ENTRIES); // the primary's own cache is untouched
    expect(await half(lab.b, 'resync')).toEqual({ source: 'peers', count: 1 });
    await waitFor('fwb holding the table again', async () => (await lab.b.status()).tables.external === ENTRIES, 20_000);
    const after = await lab.a.status();
    expect(after.summary.resyncs).toBeGreaterThan(before);
    expect(lab.b.output).toMatch(/caches flushed by request/);
    // the records went packed (kernel/record-packing.ts): some 27 to a datagram, where at most 7
    // fit as key and payload (batchLines' entries with a zone of one direction, 2 in 15, pack
    // with an extension byte). An average above 7 needs the packing; on a loaded host the
    // resync, paced by the standby's acknowledgements, sends part-filled datagrams (9.7 seen)
    const sent = (name: string) => (after.counters.sync[name] ?? 0) - (primary.counters.sync[name] ?? 0);
    expect(sent('resyncRecordsSent')).toBeGreaterThanOrEqual(ENTRIES);
    expect(sent('resyncRecordsSent') / sent('dataFramesSent')).toBeGreaterThan(7);
  });

  it('empties the primary\'s own cache, and re-reads it from its kernel', async () => {
    expect(await half(lab.a, 'flush', 'internal')).toEqual({ target: 'internal', internal: ENTRIES, external: 0 });
    expect((await lab.a.status()).tables.internal).toBe(0);
    expect(await half(lab.a, 'resync', 'kernel')).toEqual({ source: 'kernel', count: ENTRIES });
    await standbyHolds(lab, ENTRIES, 20_000);
    // what the standby holds still recreates the primary's table exactly
    expect(await commitOnStandbyAndCompare(lab, keep)).toHaveLength(ENTRIES);
  });

  it('commits the standby\'s copy through the real `half commit`', async () => {
    await lab.net.exec('fwb', ['conntrack', '-F'], { check: true });
    const summary = await half(lab.b, 'commit');
    expect(summary).toMatchObject({ entries: ENTRIES, created: ENTRIES, updated: 0, failed: 0 });
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toEqual(tableLines(await listFlows(lab.net, 'fwa'), keep));
  });

  it('says whether it runs with the half.conf and key on disk (half configure --apply restarts it only if not)', async () => {
    const inStateDir = { writableDirs: [`${lab.b.stateDir}/`] }; // where the lab's resync-file is
    const config = await loadHalfConf(lab.b.confFile, inStateDir);
    const key = await loadClusterKey(lab.b.keyFile);
    expect(await daemonRunsWith(config, key)).toBe(true);
    // the same meaning written otherwise (a comment) is the same configuration
    await writeFile(join(lab.b.dir, 'commented.conf'), `# edited\n${await readFile(lab.b.confFile, 'utf8')}`);
    expect(await daemonRunsWith(await loadHalfConf(join(lab.b.dir, 'commented.conf'), inStateDir), key)).toBe(true);
    expect(await daemonRunsWith({ ...config, vrrp: { ...config.vrrp, advertIntervalSeconds: config.vrrp.advertIntervalSeconds + 1 } }, key)).toBe(false);
    expect(await daemonRunsWith(config, key.map((b) => b ^ 1))).toBe(false);
    expect(await daemonRunsWith({ ...config, daemon: { ...config.daemon, controlSocket: join(lab.b.dir, 'nobody.sock') } }, key)).toBe(false);
  });
});
