// Switching a node off and on, against real processes and links in namespaces of the test's
// own: nothing in the node gets to run a handler (no goodbye), its links are down, the harness's
// own instrumentation survives; on again, the links are up and the state is empty.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { isRunning } from '../../../helpers/root-processes.js';
import { run } from '../../../helpers/tools.js';
import { FIREWALLS } from './addresses.js';
import { powerOff, powerOn } from './power.js';
import { waitUntil } from './processes.js';

const net = createNamespaces('fopower');
const fw = FIREWALLS.halfone;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-power-'));
  await net.addNs('halfone');
  await net.addNs('peer');
  for (const [mine, theirs] of [['lan0', 'plan'], ['wan0', 'pwan'], ['sync0', 'psync']] as const) await net.veth('halfone', mine, 'peer', theirs);
  await net.addr('halfone', 'lan0', '192.0.2.1/24');
});
afterAll(async () => {
  await net.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** Administrative state of the node's links (the UP flag). */
const linkStates = (): Promise<string[]> =>
  Promise.all(['lan0', 'wan0', 'sync0'].map(async (l) => (/<[^>]*\bUP\b/.test((await net.exec('halfone', ['ip', '-o', 'link', 'show', 'dev', l])).stdout) ? 'up' : 'down')));

describe('powerOff / powerOn', () => {
  it('freezes and kills every process of the node with no chance to say goodbye, takes its links down, spares the instrumentation', async () => {
    const goodbye = join(dir, 'goodbye');
    const daemon = net.spawn('halfone', ['sh', '-c', `trap 'echo bye >> ${goodbye}' TERM EXIT; sleep 600 & wait`]);
    const watcher = net.spawn('halfone', ['sleep', '600']);
    await waitUntil(async () => (await run('ip', ['netns', 'pids', net.nsName('halfone')])).stdout.trim().split('\n').length >= 3, 5000, 'the processes to start');
    expect(await linkStates()).toEqual(['up', 'up', 'up']);

    const record = await powerOff(net, fw, [watcher.pid as number]);
    expect(record.pids).toHaveLength(2);
    expect(record.frozenAt).toBeLessThanOrEqual(record.linksDownAt);
    expect(record.linksDownAt).toBeLessThanOrEqual(record.killedAt);
    for (const pid of record.pids) expect(isRunning(pid)).toBe(false);
    expect((await daemon).signal).toBe('SIGKILL');
    expect(existsSync(goodbye)).toBe(false);
    expect(isRunning(watcher.pid as number)).toBe(true);
    expect(await linkStates()).toEqual(['down', 'down', 'down']);
    watcher.kill('SIGKILL');
  });

  it('boots the node again: links up, ruleset loaded, conntrack table empty', async () => {
    await net.exec('halfone', ['conntrack', '-I', '-p', 'udp', '-s', '192.0.2.128', '-d', '198.51.100.128', '--sport', '1', '--dport', '2', '-t', '30'], { check: true });
    await powerOn(net, fw);
    expect(await linkStates()).toEqual(['up', 'up', 'up']);
    expect((await net.exec('halfone', ['conntrack', '-C'], { check: true })).stdout.trim()).toBe('0');
    expect((await net.exec('halfone', ['nft', 'list', 'tables'], { check: true })).stdout).toContain('table inet fw');
  });
});
