// Direct mode (conntrackd's DisableExternalCache) and the notify-script path, with two real
// half-syncd in network namespaces: fwb writes what fwa replicates straight into its kernel, as it
// arrives (no commit), deletes included; keepalived's notify script (`half-notify`, through the
// control socket) drives fwb's transitions, and a takeover in direct mode needs no commit. The
// namespaces keep the kernel's default nf_conntrack_events = 2, which the daemons detect.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/tools.js';
import { clusterLab, OWN_ADDRESSES, type ClusterLab } from './fixtures/cluster-lab.js';
import { batchLines, conntrackBatch, deleteLines, listFlows, replicable, tableLines } from './fixtures/conntrack-table.js';
import { HALF_NOTIFY, waitFor } from './fixtures/syncd-node.js';
import { conntrack as conntrackWithLabels, listFlows as listFlowsWithLabels } from '../kernel/helpers/conntrack-oracle.js';
import { LABELS_RULESET } from '../kernel/helpers/rulesets.js';

const keep = replicable(OWN_ADDRESSES);

describe('direct mode, driven by the notify script', () => {
  let lab: ClusterLab;

  beforeAll(async () => {
    // the kernel's default nf_conntrack_events = 2: the daemons must follow events all the time
    lab = await clusterLab({ label: 'syncdir', b: { mode: 'direct', notify: 'script' }, conntrackEvents: 2 });
    // rules that use labels on both nodes, so that their entries have room for them
    for (const ns of ['fwa', 'fwb']) await lab.net.exec(ns, ['nft', '-f', '-'], { input: LABELS_RULESET, check: true });
    await Promise.all([lab.a.start(), lab.b.start()]);
    await lab.a.notify('MASTER', 'half_lan0', 150);
  });
  afterAll(() => lab?.cleanup());

  const halfNotify = (...args: string[]) => run(process.execPath, ['--import', 'tsx', HALF_NOTIFY, '--socket', lab.b.socket, ...args]);

  /** An established flow from 192.0.2.`host` made on fwa with `conntrack -I`, and how to change it and read fwb's copy's labels. */
  async function labelledFlow(host: number) {
    const fwa = { name: lab.net.nsName('fwa') };
    const fwb = { name: lab.net.nsName('fwb') };
    const flow = ['-s', `192.0.2.${host}`, '-p', 'tcp', '--sport', String(32750 + host)];
    const tool = async (ns: { name: string }, args: string[]) => {
      const r = await conntrackWithLabels(ns, args);
      expect(r.exitCode, `conntrack ${args.join(' ')}: ${r.stderr}`).toBe(0);
    };
    const labelsOnFwb = async () => (await listFlowsWithLabels(fwb)).find((f) => f.orig.src === `192.0.2.${host}`)?.labels;
    await tool(fwa, ['-I', ...flow, '-d', `198.51.100.${host}`, '--dport', '443', '--state', 'ESTABLISHED', '-t', '3600', '-u', 'SEEN_REPLY,ASSURED']);
    return { fwa, flow, tool, labelsOnFwb };
  }

  it('takes transitions from half-notify, and reads no FIFO', async () => {
    const bad = await halfNotify('INSTANCE', 'half_lan0', 'SOMETIMES', '100');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/unknown state/);
    const ok = await halfNotify('INSTANCE', 'half_lan0', 'BACKUP', '100');
    expect(ok.exitCode, ok.stderr).toBe(0);
    await waitFor('fwb BACKUP', async () => (await lab.b.status()).node.ha === 'BACKUP');
    expect(existsSync(lab.b.fifo)).toBe(false);
    // nf_conntrack_events = 2: warned, and subscribed although a receiver
    expect(lab.b.output).toMatch(/nf_conntrack_events is not 1: following conntrack events all the time/);
    expect((await lab.b.status()).counters.kernel['subscriptionSubscriptions']).toBe(1);
  });

  it('writes the peer\'s entries into the kernel as they arrive, deletes included', async () => {
    await conntrackBatch(lab.net, 'fwa', batchLines(500, 0));
    await waitFor('fwb\'s kernel holding fwa\'s table', async () => (await listFlows(lab.net, 'fwb')).filter(keep).length === 500);
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toEqual(tableLines(await listFlows(lab.net, 'fwa'), keep));
    await conntrackBatch(lab.net, 'fwa', deleteLines(500, 0, 5));
    await waitFor('fwb\'s kernel without the deleted entries', async () => (await listFlows(lab.net, 'fwb')).filter(keep).length === 400);
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toEqual(tableLines(await listFlows(lab.net, 'fwa'), keep));
    const b = await lab.b.status();
    expect(b.commits.count).toBe(0);
    expect(b.counters.kernel['directChanges']).toBeGreaterThanOrEqual(600);
    expect(b.counters.kernel['directFailed']).toBe(0);
    // a sync datagram's few changes are written and answered within the call (request-exchange.ts)
    expect(b.counters.kernel['writerExchangesInCall']).toBeGreaterThan(0);
    expect(b.counters.kernel['writerExchangesViaBinding']).toBe(0);
    // what fwb wrote is not news of its own table: its echoes are dropped by the event reader,
    // before they are decoded (none reaches the feed, which would skip them too)
    expect(b.counters.kernel['echoesDropped']).toBeGreaterThanOrEqual(600);
    expect(b.counters.kernel['feedOwnEchoes']).toBe(0);
  });

  it('clears on fwb the labels fwa\'s connection loses (no event says so)', async () => {
    const { fwa, flow, tool, labelsOnFwb } = await labelledFlow(250);
    await tool(fwa, ['-U', ...flow, '--label-add', 'l3,l5']);
    await waitFor('fwb\'s copy labelled 3 and 5', async () => JSON.stringify(await labelsOnFwb()) === '[3,5]');
    await tool(fwa, ['-U', ...flow, '--label-del', 'l3']); // the event names the labels left
    await waitFor('fwb\'s copy labelled 5', async () => JSON.stringify(await labelsOnFwb()) === '[5]');
    const readBacks = (await lab.a.status()).counters.kernel['feedLabelReadbacks'] ?? 0;
    await tool(fwa, ['-U', ...flow, '--label-del', 'l5']); // the event names none: read back
    await waitFor('fwb\'s copy without labels', async () => JSON.stringify(await labelsOnFwb()) === '[]');
    expect((await lab.a.status()).counters.kernel['feedLabelReadbacks']).toBe(readBacks + 1);
    expect((await lab.b.status()).counters.kernel['directFailed']).toBe(0);
    await tool(fwa, ['-D', ...flow]);
    await waitFor('fwb without the flow', async () => (await labelsOnFwb()) === undefined);
  });

  it("clears, once restarted, the labels fwa's connection lost while fwb's daemon was down", async () => {
    // fwb's kernel keeps its labelled copy across the restart, and fwa's resync then sends the
    // entry without labels: a writer that had not seen labels yet would leave them
    const { fwa, flow, tool, labelsOnFwb } = await labelledFlow(251);
    await tool(fwa, ['-U', ...flow, '--label-add', 'l6']);
    await waitFor("fwb's copy labelled 6", async () => JSON.stringify(await labelsOnFwb()) === '[6]');
    await lab.b.stop();
    await tool(fwa, ['-U', ...flow, '--label-del', 'l6']);
    await lab.b.start();
    const ok = await halfNotify('INSTANCE', 'half_lan0', 'BACKUP', '100');
    expect(ok.exitCode, ok.stderr).toBe(0);
    await waitFor("fwb's copy without labels", async () => JSON.stringify(await labelsOnFwb()) === '[]', 15_000);
    // (the read of its kernel runs beside the start: on a loaded host its dump may come after
    // fwa's resync cleared the copy, and find no labelled connection; until it answers, the
    // writer takes labels to be held, which is what cleared the copy either way)
    expect((await lab.b.status()).counters.kernel['directFailed']).toBe(0);
    await tool(fwa, ['-D', ...flow]);
    await waitFor('fwb without the flow', async () => (await labelsOnFwb()) === undefined);
  });

  it('deletes, once restarted, what fwa closed while fwb\'s daemon was down (no copy held it)', async () => {
    const before = (await listFlows(lab.net, 'fwb')).filter(keep).length;
    await lab.b.stop();
    await conntrackBatch(lab.net, 'fwa', deleteLines(500, 1, 10));
    expect((await listFlows(lab.net, 'fwb')).filter(keep).length, 'fwb\'s kernel keeps them while its daemon is down').toBe(before);
    await lab.b.start();
    const ok = await halfNotify('INSTANCE', 'half_lan0', 'BACKUP', '100');
    expect(ok.exitCode, ok.stderr).toBe(0);
    await waitFor('fwb\'s kernel without the 50 closed meanwhile', async () => (await listFlows(lab.net, 'fwb')).filter(keep).length === before - 50, 15_000);
    expect(tableLines(await listFlows(lab.net, 'fwb'), keep)).toEqual(tableLines(await listFlows(lab.net, 'fwa'), keep));
    const b = await lab.b.status();
    expect(b.counters.sync['strayDirectDeletes']).toBe(50);
    expect(b.counters.kernel['directFailed']).toBe(0);
  });

  it('takes over without a commit', async () => {
    const ok = await halfNotify('INSTANCE', 'half_lan0', 'MASTER', '100');
    expect(ok.exitCode, ok.stderr).toBe(0);
    await waitFor('fwb sending its table', async () => {
      const b = await lab.b.status();
      return b.node.ha === 'MASTER' && b.node.role === 'sender' && b.tables.internal === 350;
    });
    expect((await lab.b.status()).commits.count).toBe(0);
  });
});
