// `half doctor` for real, as the bundled binary inside a firewall network namespace: its
// firewall checks follow the nftables ruleset loaded there (VRRP dropped: FAIL and exit 6; an
// accept added: OK), and agree with what the kernel does to the peer's real packets; its sysctl
// checks read the namespace's own values; its daemon and peer checks come from a control server
// (half-syncd's view of the peers); its keepalived check finds a real keepalived by its pid.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNftRuleset } from '../../../daemon/src/config/nft-ruleset.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import type { CheckResult } from '../../../daemon/src/doctor/check-result.js';
import { ControlServer } from '../../../daemon/src/control/control-server.js';
import { requireTool, run } from '../../helpers/tools.js';
import { RecordingHandler } from '../control/fixtures/sample-status.js';
import { bundle } from '../cli/bundle.js';
import { probeNet, type ProbeNet } from './fixtures/probe-net.js';

const CONF = (socket: string) => `[node]
id = 1
role = primary
[sync]
interface = sync0
address = 203.0.113.1
peers = 203.0.113.2
[vrrp]
adverts = sync-link
[vips]
lan0 = 192.0.2.254/24
[daemon]
control-socket = ${socket}
`;

const SYNC_ONLY = `table inet filter {
  chain input { type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    iifname "sync0" ip saddr 203.0.113.2 udp dport 3781 accept
  }
}`;
const WITH_VRRP = SYNC_ONLY.replace('udp dport 3781 accept', 'udp dport 3781 accept\n    iifname "sync0" meta l4proto vrrp accept');

interface DoctorRun {
  readonly exitCode: number;
  readonly failed: boolean;
  readonly checks: Map<string, CheckResult>;
}

describe('half doctor in a namespace', () => {
  let lab: ProbeNet;
  let dir: string;
  let half: string;
  let conf: string;
  let server: ControlServer;
  let keepalived: ReturnType<ProbeNet['net']['spawn']> | undefined;

  async function doctor(): Promise<DoctorRun> {
    const r = await run('ip', ['netns', 'exec', lab.fw, 'node', half, 'doctor', '--json', '--config', conf], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { failed: boolean; checks: CheckResult[] };
    return { exitCode: r.exitCode, failed: report.failed, checks: new Map(report.checks.map((c) => [c.id, c])) };
  }

  const sysctl = (key: string, value: string) => lab.net.exec('fw', ['sysctl', '-q', '-w', `${key}=${value}`], { check: true });

  beforeAll(async () => {
    requireTool('nft');
    requireTool('keepalived');
    dir = await mkdtemp(join(tmpdir(), 'half-doctor-'));
    half = await bundle('daemon/src/cli/half-main.ts', dir);
    await mkdir(join(dir, 'run'));
    const socket = join(dir, 'run', 'half.sock');
    conf = join(dir, 'half.conf');
    await writeFile(conf, CONF(socket));
    server = new ControlServer(new RecordingHandler(), { path: socket });
    await server.listen();
    lab = await probeNet('doctor');
  });

  afterAll(async () => {
    await server?.close();
    await lab?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails the VRRP check, and exits 6, when the ruleset drops VRRP', async () => {
    await lab.load(SYNC_ONLY);
    const report = await doctor();
    expect(report.exitCode).toBe(6);
    expect(report.failed).toBe(true);
    expect(report.checks.get('firewall.vrrp')).toEqual({
      id: 'firewall.vrrp',
      status: 'fail',
      summary: 'VRRP (protocol 112) from 203.0.113.2 on sync0 is dropped by inet filter input: policy drop',
      fix: 'allow it before anything drops it, e.g. nft insert rule inet filter input iifname "sync0" meta l4proto vrrp accept (half.conf(5), "firewall")',
    });
    expect(report.checks.get('firewall.sync')?.status).toBe('ok');
    expect(await lab.send()).toEqual({ vrrp: false, sync: true });
  });

  it('passes it once the ruleset accepts VRRP from the peer', async () => {
    await lab.load(WITH_VRRP);
    const report = await doctor();
    expect(report.checks.get('firewall.vrrp')).toMatchObject({ status: 'ok', summary: 'VRRP (protocol 112) from 203.0.113.2 on sync0: accepted by every nftables input chain' });
    expect(report.checks.get('firewall.sync')?.status).toBe('ok');
    expect(await lab.send()).toEqual({ vrrp: true, sync: true });
  });

  it('checks HALF\'s own table: missing, then without the guard\'s sets, then as rendered from half.conf', async () => {
    await lab.load(WITH_VRRP);
    expect((await doctor()).checks.get('firewall.guard')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^table inet half is not loaded/) });
    // a hand-edited half.nft of an older shape
    await lab.load(`${WITH_VRRP}\ntable inet half {\n  set guard { type inet_proto; }\n}`);
    expect((await doctor()).checks.get('firewall.guard')).toMatchObject({ status: 'fail', summary: 'table inet half lacks set hold_new: the takeover guard cannot be turned on' });
    await lab.load(`${WITH_VRRP}\n${renderNftRuleset(validateHalfConf(CONF(join(dir, 'run', 'half.sock')), conf), { guardOn: true })}`);
    expect((await doctor()).checks.get('firewall.guard')).toEqual({ id: 'firewall.guard', status: 'ok', summary: 'table inet half holds the takeover guard, on (a standby: new forwarded connections wait)' });
    await lab.load(WITH_VRRP);
  });

  it('reads the namespace\'s own sysctls', async () => {
    await sysctl('net.ipv4.ip_forward', '1');
    await sysctl('net.netfilter.nf_conntrack_tcp_be_liberal', '1');
    let report = await doctor();
    expect(report.checks.get('sysctl.ip_forward')?.status).toBe('ok');
    expect(report.checks.get('sysctl.nf_conntrack_tcp_be_liberal')?.status).toBe('ok');
    await sysctl('net.ipv4.ip_forward', '0');
    await sysctl('net.netfilter.nf_conntrack_tcp_be_liberal', '0');
    report = await doctor();
    expect(report.checks.get('sysctl.ip_forward')).toMatchObject({ status: 'fail', summary: 'IPv4 forwarding is off (net.ipv4.ip_forward = 0): this node does not route' });
    expect(report.checks.get('sysctl.nf_conntrack_tcp_be_liberal')?.status).toBe('warn');
  });

  it('reports half-syncd and its peers from the control socket', async () => {
    const report = await doctor();
    expect(report.checks.get('config')?.status).toBe('ok');
    expect(report.checks.get('daemon')).toMatchObject({ status: 'ok', summary: expect.stringMatching(/^half-syncd 0\.1\.0-test answers on .*half\.sock \(pid 4242, node 1, sender, keepalived state MASTER\)$/) });
    expect(report.checks.get('peer.2')?.status).toBe('ok');
    expect(report.checks.get('peer.3')).toMatchObject({ status: 'fail', summary: 'peer 3 (203.0.113.3): silent for 12.5 s' });
  });

  it('finds a running keepalived by its process name', async () => {
    const kconf = join(dir, 'keepalived.conf');
    await writeFile(kconf, 'global_defs {\n  router_id halfdoctor\n}\nvrrp_instance probe {\n  state BACKUP\n  interface sync0\n  virtual_router_id 77\n  priority 50\n  advert_int 1\n  virtual_ipaddress {\n    203.0.113.200/24\n  }\n}\n');
    keepalived = lab.net.spawn('fw', ['keepalived', '--dont-fork', '--log-console', '--no-syslog', '--vrrp', `--use-file=${kconf}`, `--pid=${join(dir, 'k.pid')}`, `--vrrp_pid=${join(dir, 'kv.pid')}`]);
    const pid = keepalived.pid;
    expect(pid).toBeGreaterThan(0);
    let report = await doctor();
    for (let i = 0; i < 50 && report.checks.get('keepalived')?.status !== 'ok'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      report = await doctor();
    }
    const check = report.checks.get('keepalived');
    expect(check?.status).toBe('ok');
    expect(check?.summary).toMatch(new RegExp(`^keepalived is running \\(pid .*\\b${pid}\\b`));
  });
});
