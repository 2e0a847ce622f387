// The reference's conntrackd.conf, run by the real conntrackd in a namespace of the test's own:
// it starts with the per-node lock file and socket, and its filter takes TCP and UDP flows into
// the internal cache while ignoring the firewall's own addresses.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { requireTool, run } from '../../../helpers/tools.js';
import { FIREWALLS } from './addresses.js';
import { parseTable } from './conntrack-table.js';
import { renderConntrackdConf } from './conntrackd-conf.js';
import { stopProcesses, waitUntil } from './processes.js';

const net = createNamespaces('foctd');
const fw = FIREWALLS.halfone;
let dir: string;
let conf: string;

beforeAll(async () => {
  requireTool('conntrackd');
  requireTool('conntrack');
  dir = await mkdtemp(join(tmpdir(), 'half-ctdconf-'));
  await net.addNs('halfone');
  await net.addNs('halftwo');
  await net.veth('halfone', 'sync0', 'halftwo', 'sync0');
  await net.addr('halfone', 'sync0', `${fw.sync}/30`);
  await net.addr('halftwo', 'sync0', `${fw.peerSync}/30`);
  conf = join(dir, 'conntrackd.conf');
  await writeFile(conf, renderConntrackdConf(fw, { lockFile: join(dir, 'lock'), socket: join(dir, 'ctl'), logFile: join(dir, 'log') }, { hashLimit: 1024 }));
});
afterAll(async () => {
  await net.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('renderConntrackdConf', () => {
  it('runs conntrackd, whose internal cache holds TCP and UDP flows but not the firewall\'s own', async () => {
    const daemon = net.spawn('halfone', ['conntrackd', '-C', conf]);
    try {
      await waitUntil(async () => (await run('conntrackd', ['-C', conf, '-s'])).exitCode === 0, 10_000, 'conntrackd to answer', () => daemon.exitCode !== null);
      const insert = (proto: string, src: string, sport: string): Promise<unknown> =>
        net.exec('halfone', ['conntrack', '-I', '-p', proto, '-s', src, '-d', '198.51.100.128', '--sport', sport, '--dport', '7000', ...(proto === 'tcp' ? ['--state', 'ESTABLISHED'] : []), '-u', 'SEEN_REPLY,ASSURED', '-t', '60'], { check: true });
      // the ignored one first: once the later two show, conntrackd has handled it
      await insert('tcp', fw.lan, '20001');
      await insert('tcp', '192.0.2.128', '20000');
      await insert('udp', '192.0.2.129', '21000');
      let cached: string[] = [];
      await waitUntil(async () => {
        cached = parseTable((await run('conntrackd', ['-C', conf, '-i'])).stdout).map((e) => `${e.proto} ${e.orig.src}`).sort();
        return cached.length >= 2;
      }, 5000, 'the internal cache to fill');
      expect(cached).toEqual(['tcp 192.0.2.128', 'udp 192.0.2.129']);
    } finally {
      await stopProcesses([daemon]);
    }
  });
});
