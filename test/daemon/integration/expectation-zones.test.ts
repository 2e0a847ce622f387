// FTP through a firewall whose connections are in a zone, replicated by two real half-syncd: the
// kernel reports expectations without their zone (test/daemon/kernel/expectations-zone.test.ts),
// so fwa gives each the zone of its master's record (master-zones.ts). fwb, in direct mode,
// creates the control connection and then the expectation in its kernel, which finds the master
// only under that zone; and fwa's read-back of the master (for a helper's sequence adjustment,
// entry-readback.ts) finds it too. When fwa's expectation goes, fwb's goes too: with a zone of
// the reply direction alone the kernel finds the master under 0 and deletes the expectation by
// the zone's number, which the expectation's record key carries.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../helpers/tools.js';
import { clusterLab, startReplicating, type ClusterLab } from './fixtures/cluster-lab.js';
import { waitFor } from './fixtures/syncd-node.js';

const ZONE = 7;
const ftpZoneRuleset = (direction: 'both' | 'reply'): string => `table inet half_test_ftpz {
  ct helper ftp-standard {
    type "ftp" protocol tcp
  }
  chain zone_pre {
    type filter hook prerouting priority raw;
    iifname { "lan0", "wan0" } ct ${direction === 'reply' ? 'reply ' : ''}zone set ${ZONE}
  }
  chain assign_helper {
    type filter hook prerouting priority filter;
    tcp dport 21 ct helper set "ftp-standard"
  }
}
`;
const PASV = '227 Entering Passive Mode (198,51,100,2,195,80).';

describe.each(['both', 'reply'] as const)('an FTP expectation in a zone (of %s directions), between two daemons', (direction) => {
  let lab: ClusterLab;
  let scripts: string;

  beforeAll(async () => {
    requireTool('socat');
    scripts = await mkdtemp(join(tmpdir(), 'h5i-ftpz-'));
    await writeFile(join(scripts, 'server.sh'), `printf '220 ready\\r\\n'\nread cmd\nprintf '${PASV}\\r\\n'\nsleep 120\n`);
    await writeFile(join(scripts, 'client.sh'), `read greeting\nprintf 'PASV\\r\\n'\nread answer\nsleep 120\n`);
    lab = await clusterLab({ label: `syncexpz${direction.charAt(0)}`, traffic: true, b: { mode: 'direct' } });
    for (const ns of ['fwa', 'fwb']) await lab.net.exec(ns, ['nft', '-f', '-'], { input: ftpZoneRuleset(direction), check: true });
    await startReplicating(lab);
  });
  afterAll(async () => {
    await lab?.cleanup();
    if (scripts !== undefined) await rm(scripts, { recursive: true, force: true });
  });

  it("reaches fwb's kernel under its master, and fwa reads the master back", async () => {
    lab.net.spawn('server', ['socat', 'TCP-LISTEN:21,bind=198.51.100.2,reuseaddr', `EXEC:/bin/sh ${join(scripts, 'server.sh')}`]);
    await waitFor('the FTP server listening', async () => (await lab.net.exec('server', ['ss', '-Hltn', 'sport = :21'])).stdout.includes(':21'));
    lab.net.spawn('client', ['socat', `EXEC:/bin/sh ${join(scripts, 'client.sh')}`, 'TCP:198.51.100.2:21']);
    const expectations = async (ns: string) => (await lab.net.exec(ns, ['conntrack', '-L', 'expect'], { check: true })).stdout;
    await waitFor("fwa's expectation", async () => /dport=50000/.test(await expectations('fwa')));
    await waitFor("fwb's expectation", async () => /dport=50000/.test(await expectations('fwb')), 10_000);
    // the master was created first, in the zone
    const masters = (await lab.net.exec('fwb', ['conntrack', '-L', '-p', 'tcp', '--dport', '21'], { check: true })).stdout;
    const zone = direction === 'reply' ? `zone-reply=${ZONE}` : `zone=${ZONE}`;
    expect(masters).toMatch(new RegExp(`helper=ftp .*${zone}|${zone} .*helper=ftp`));
    const b = await lab.b.status();
    expect(b.counters.kernel['directFailed']).toBe(0);
    const readbacks = async () => {
      const k = (await lab.a.status()).counters.kernel;
      return { refreshed: k['readbackRefreshed'], gone: k['readbackGone'], failed: k['readbackFailed'] };
    };
    await waitFor("fwa's read-back of the master", async () => Object.values(await readbacks()).some((n) => (n ?? 0) > 0), 5_000).catch(() => undefined);
    expect(await readbacks()).toEqual({ refreshed: 1, gone: 0, failed: 0 });
  });

  it("goes from fwb's kernel when fwa's goes, its master staying", async () => {
    const expectations = async (ns: string) => (await lab.net.exec(ns, ['conntrack', '-L', 'expect'], { check: true })).stdout;
    expect(await expectations('fwb')).toMatch(/dport=50000/);
    await lab.net.exec('fwa', ['conntrack', '-F', 'expect'], { check: true });
    await waitFor("fwb's expectation gone", async () => !/dport=50000/.test(await expectations('fwb')), 10_000);
    const masters = (await lab.net.exec('fwb', ['conntrack', '-L', '-p', 'tcp', '--dport', '21'], { check: true })).stdout;
    expect(masters).toMatch(/helper=ftp/);
    const b = await lab.b.status();
    expect(b.counters.kernel['directFailed']).toBe(0);
  });
});
