// The gatherer on this machine, each fact compared with what another tool says: keepalived's
// pids with pgrep -x, the ruleset with nft itself, the clock with timedatectl, the config and
// the daemon with the files that exist; and the report's exit status with its own FAIL lines.
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHalf } from '../../../daemon/src/cli/half.js';
import { gatherFacts } from '../../../daemon/src/doctor/gather.js';
import { createServer } from 'node:net';
import { gatherClock, gatherDaemon, gatherLegacyIptables } from '../../../daemon/src/doctor/gather-system.js';
import { daemonCheck } from '../../../daemon/src/doctor/cluster-checks.js';
import { stuckSocket } from '../control/fixtures/stuck-socket.js';
import { requireTool, run } from '../../helpers/tools.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { captureIo } from '../cli/fixtures.js';

const exists = (path: string) => access(path).then(() => true, () => false);
const pgrep = async () => new Set((await run('pgrep', ['-x', 'keepalived'])).stdout.split('\n').filter((l) => l !== '').map(Number));

describe('gatherFacts on this machine', () => {
  it('reads what the system tools read', async () => {
    const before = await pgrep();
    const facts = await gatherFacts();
    const after = await pgrep();

    for (const pid of facts.keepalived.pids) expect(before.has(pid) || after.has(pid), `pid ${pid}`).toBe(true);
    for (const pid of before) if (after.has(pid)) expect(facts.keepalived.pids).toContain(pid);

    const nft = await run('nft', ['-j', 'list', 'ruleset']);
    expect(facts.ruleset.state).toBe(nft.exitCode === 0 ? 'ok' : 'unavailable');
    if (facts.ruleset.state === 'ok') {
      const chains = (JSON.parse(nft.stdout) as { nftables: object[] }).nftables.filter((i) => 'chain' in i).length;
      expect(facts.ruleset.ruleset.chains.size).toBe(chains);
    }

    const timedatectl = await run('timedatectl', ['show', '--property=NTPSynchronized', '--value']).catch(() => undefined);
    if (timedatectl !== undefined && timedatectl.exitCode === 0 && /^(yes|no)$/.test(timedatectl.stdout.trim())) {
      expect(facts.clock).toMatchObject({ source: 'timedatectl', synchronized: timedatectl.stdout.trim() === 'yes' });
    } else {
      expect(facts.clock.source).toBe('none');
      if (facts.clock.source === 'none') expect(facts.clock.reason).toMatch(/no wall-clock timestamps/);
    }

    expect(facts.config.state === 'missing').toBe(!(await exists('/etc/half/half.conf')));
    if (!(await exists('/run/half/half.sock'))) expect(facts.daemon).toMatchObject({ state: 'down', socket: '/run/half/half.sock' });
    expect(facts.kernelRelease).toBe((await run('uname', ['-r'])).stdout.trim());
  });

  it('finds a keepalived that runs (here in a namespace of its own, with its own pid files)', async () => {
    requireTool('keepalived');
    const lab = new NetnsLab('dg');
    const dir = await mkdtemp(join(tmpdir(), 'half-doctor-ka-'));
    try {
      const ns = await lab.namespace('k');
      await lab.ip(ns, ['link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0p']);
      await lab.ip(ns, ['link', 'set', 'lan0', 'up']);
      await writeFile(join(dir, 'keepalived.conf'), 'vrrp_instance half_lan0 {\n    state BACKUP\n    interface lan0\n    virtual_router_id 51\n    priority 100\n    advert_int 1\n    virtual_ipaddress {\n        192.0.2.254/24\n    }\n}\n');
      const child = lab.spawn(ns, 'keepalived', ['-n', '-l', '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')], join(dir, 'log'));
      const pid = child.pid as number;
      let pids: readonly number[] = [];
      for (const deadline = Date.now() + 20_000; !pids.includes(pid) && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        pids = (await gatherFacts()).keepalived.pids;
      }
      expect(pids).toContain(pid); // the parent; its VRRP child is listed too once it forked
    } finally {
      await lab.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('half doctor exits 6 exactly when a check failed', async () => {
    const io = captureIo();
    const code = await runHalf(['doctor', '--json'], io);
    const report = JSON.parse(io.stdout) as { failed: boolean; checks: { status: string }[] };
    expect(report.failed).toBe(report.checks.some((c) => c.status === 'fail'));
    expect(code).toBe(report.failed ? 6 : 0);
    const text = captureIo();
    await runHalf(['doctor'], text);
    expect(text.stdout.split('\n').filter((l) => /^(OK|WARN|FAIL|SKIP) /.test(l))).toHaveLength(report.checks.length);
  });

  it('tells a half-syncd that takes no connection (its socket\'s queue full) from one that is not running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'half-doctor-stuck-'));
    const path = join(dir, 'half.sock');
    const stuck = await stuckSocket(path);
    try {
      expect(await gatherDaemon(path)).toEqual({ state: 'stuck', socket: path, reason: `half-syncd is not accepting connections on ${path}: its queue of waiting connections is full` });
    } finally {
      stuck.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names another release as the fix for a status or answer it cannot read, not a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'half-doctor-release-'));
    try {
      for (const [name, answer] of [['schema', '{"v":1,"id":1,"ok":true,"result":{"schema":2}}'], ['version', '{"v":2,"id":1,"ok":true,"result":{}}']] as const) {
        const path = join(dir, `${name}.sock`);
        const server = createServer((socket) => socket.once('data', () => socket.end(`${answer}\n`)));
        await new Promise<void>((resolve) => server.listen(path, resolve));
        try {
          const fact = await gatherDaemon(path);
          expect(fact).toMatchObject({ state: 'error', fix: expect.stringContaining('same release') });
          expect(daemonCheck({ daemon: fact } as never).fix, name).toContain('same release');
        } finally {
          server.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tells a timedatectl that did not answer in time from one that is not installed', async () => {
    const slow = await gatherClock(['sh', '-c', 'sleep 5', 'timedatectl'], 200);
    expect(slow.source).toBe('none');
    expect(slow.source === 'none' ? slow.reason : '').toMatch(/^timedatectl could not be run: /);
    const missing = await gatherClock(['/nonexistent/timedatectl'], 200);
    expect(missing.source === 'none' ? missing.reason : '').toMatch(/^timedatectl is not installed;/);
  });

  it('reads the iptables-legacy tables in use, none when x_tables holds none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'half-doctor-legacy-'));
    try {
      expect(await gatherLegacyIptables(dir)).toEqual([]);
      await writeFile(join(dir, 'ip_tables_names'), 'filter\nnat\n');
      await writeFile(join(dir, 'ip6_tables_names'), 'filter\n');
      expect(await gatherLegacyIptables(dir)).toEqual(['filter', 'nat']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
