// Every doctor check over facts made by hand: a healthy node is all OK; spoiling one fact turns
// exactly its check to WARN or FAIL, with a fix that names the command or file to change.
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../daemon/src/doctor/check-result.js';
import type { DaemonStatus } from '../../../daemon/src/control/status-model.js';
import type { DoctorFacts } from '../../../daemon/src/doctor/facts.js';
import { renderDoctorJson, renderDoctorText, runChecks } from '../../../daemon/src/doctor/report.js';
import { sampleStatus } from '../control/fixtures/sample-status.js';
import { HALF_SETS, healthyFacts, m, ruleset } from './fixtures/facts.js';

type Spoil = (facts: DoctorFacts) => DoctorFacts;

function only(spoil: Spoil): CheckResult[] {
  return runChecks(spoil(healthyFacts())).checks.filter((c) => c.status !== 'ok');
}

const sysctl = (key: keyof DoctorFacts['sysctls'], value: string | null): Spoil => (f) => ({ ...f, sysctls: { ...f.sysctls, [key]: value } });
const module = (name: keyof DoctorFacts['modules'], state: DoctorFacts['modules']['nf_conntrack']['state']): Spoil => (f) => ({ ...f, modules: { ...f.modules, [name]: { state, source: 'test' } } });

describe('runChecks', () => {
  it('warns, on the firewall checks, that iptables-legacy tables are in use and not read', () => {
    const found = only((f) => ({ ...f, legacyIptables: ['filter'] }));
    expect(found.map((c) => [c.id, c.status])).toEqual([['firewall.vrrp', 'warn'], ['firewall.sync', 'warn']]);
    expect(found[0]?.summary).toMatch(/but iptables-legacy tables are in use \(filter\), which the doctor cannot read/);
    expect(found[0]?.fix).toMatch(/iptables-legacy -S INPUT/);
  });

  it('finds nothing wrong with a healthy node', () => {
    const report = runChecks(healthyFacts());
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report.failed).toBe(false);
    expect(report.checks.map((c) => c.id)).toEqual([
      'config', 'daemon', 'events.reader', 'peer.2',
      'module.nf_conntrack', 'module.nf_conntrack_netlink', 'module.nf_conntrack_ftp',
      'sysctl.nf_conntrack_events', 'sysctl.nf_conntrack_tcp_be_liberal', 'sysctl.nf_conntrack_tcp_loose', 'sysctl.rmem_max', 'sysctl.ip_forward', 'sysctl.nf_conntrack_max',
      'firewall.vrrp', 'firewall.sync', 'firewall.guard', 'keepalived', 'clock',
    ]);
  });

  it.each<[string, Spoil, string, 'warn' | 'fail', RegExp, RegExp]>([
    ['ctnetlink missing', module('nf_conntrack_netlink', 'missing'), 'module.nf_conntrack_netlink', 'fail', /neither loaded, built in nor installed/, /CONFIG_NF_CT_NETLINK/],
    ['ctnetlink not loaded', module('nf_conntrack_netlink', 'available'), 'module.nf_conntrack_netlink', 'warn', /installed but not loaded/, /modprobe nf_conntrack_netlink.*modules-load\.d/],
    ['no FTP helper', module('nf_conntrack_ftp', 'missing'), 'module.nf_conntrack_ftp', 'warn', /not available/, /if no FTP passes/],
    ['module state unknown', module('nf_conntrack', 'unknown'), 'module.nf_conntrack', 'warn', /cannot tell/, /\/proc\/modules/],
    ['events off', sysctl('net.netfilter.nf_conntrack_events', '0'), 'sysctl.nf_conntrack_events', 'fail', /disabled/, /nf_conntrack_events=1/],
    ['events only while listened to', sysctl('net.netfilter.nf_conntrack_events', '2'), 'sysctl.nf_conntrack_events', 'warn', /nf_conntrack_events = 2.*every node/, /nf_conntrack_events=1.*restart half-syncd/],
    ['conntrack absent', sysctl('net.netfilter.nf_conntrack_events', null), 'sysctl.nf_conntrack_events', 'fail', /is missing/, /modprobe nf_conntrack/],
    ['strict windows', sysctl('net.netfilter.nf_conntrack_tcp_be_liberal', '0'), 'sysctl.nf_conntrack_tcp_be_liberal', 'warn', /INVALID/, /tcp_be_liberal=1/],
    ['Debian\'s default rmem_max', sysctl('net.core.rmem_max', '212992'), 'sysctl.rmem_max', 'warn', /gets only 416 KiB \(some 416 events\)/, /rmem_max=33554432/],
    ['no forwarding', sysctl('net.ipv4.ip_forward', '0'), 'sysctl.ip_forward', 'fail', /forwarding is off/, /ip_forward=1/],
    ['no IPv4 forwarding on an IPv6-only cluster', (f) => sysctl('net.ipv4.ip_forward', '0')(f.config.state === 'ok' ? { ...f, config: { ...f.config, ipv4: false, ipv6: true }, sysctls: { ...f.sysctls, 'net.ipv6.conf.all.forwarding': '1' } } : f), 'sysctl.ip_forward', 'warn', /IPv6 virtual addresses only/, /if this node should route IPv4 too/],
    ['table nearly full', sysctl('net.netfilter.nf_conntrack_count', '250000'), 'sysctl.nf_conntrack_max', 'fail', /250000 of 262144/, /raise net\.netfilter\.nf_conntrack_max/],
    ['table filling', sysctl('net.netfilter.nf_conntrack_count', '200000'), 'sysctl.nf_conntrack_max', 'warn', /76\.3 %/, /before it fills/],
    ['keepalived stopped', (f) => ({ ...f, keepalived: { pids: [] } }), 'keepalived', 'fail', /no process named keepalived/, /systemctl start keepalived/],
    ['keepalived crashed', (f) => ({ ...f, keepalived: { pids: [], pidFile: { path: '/run/keepalived.pid', pid: 99, alive: false } } }), 'keepalived', 'fail', /stale pid file .* names pid 99/, /systemctl start keepalived/],
    ['clock adrift', (f) => ({ ...f, clock: { source: 'timedatectl', synchronized: false, ntp: false } }), 'clock', 'warn', /not synchronised/, /timedatectl set-ntp true/],
    ['table inet half gone', (f) => ({ ...f, ruleset: { state: 'ok', ruleset: ruleset([], []) } }), 'firewall.guard', 'fail', /table inet half is not loaded: no takeover guard/, /systemctl restart half-syncd/],
    ['an old hand-edited half.nft', (f) => ({ ...f, ruleset: { state: 'ok', ruleset: ruleset([], [HALF_SETS[0] as Record<string, unknown>]) } }), 'firewall.guard', 'fail', /lacks set hold_new: the takeover guard cannot be turned on/, /merge \/etc\/half\/half\.nft\.half/],
    ['half.conf invalid', (f) => ({ ...f, config: { state: 'invalid', file: '/etc/half/half.conf', problems: ['/etc/half/half.conf:2: node.id: is missing (fix: …)'] } }), 'config', 'fail', /is invalid: .*node\.id/, /half configure/],
    ['half.conf root\'s alone', (f) => ({ ...f, config: { state: 'unreadable', file: '/etc/half/half.conf', problem: 'cannot be read (EACCES)' } }), 'config', 'fail', /^\/etc\/half\/half\.conf cannot be read \(EACCES\)$/, /as root/],
    ['half.conf a folder', (f) => ({ ...f, config: { state: 'unreadable', file: '/etc/half/half.conf', problem: 'cannot be read (EISDIR)' } }), 'config', 'fail', /^\/etc\/half\/half\.conf cannot be read \(EISDIR\)$/, /^make \/etc\/half\/half\.conf a readable file/],
  ])('%s', (_name, spoil, id, status, summary, fix) => {
    const found = only(spoil);
    expect(found.map((c) => c.id)).toEqual([id]);
    expect(found[0]?.status).toBe(status);
    expect(found[0]?.summary).toMatch(summary);
    expect(found[0]?.fix).toMatch(fix);
  });

  it('says how much buffer a larger rmem_max than HALF sets grants (twice the 64 MiB asked for, at most)', () => {
    const check = (rmem: number) => runChecks(sysctl('net.core.rmem_max', String(rmem))(healthyFacts())).checks.find((c) => c.id === 'sysctl.rmem_max');
    expect(check(48 * 1048576)).toMatchObject({ status: 'ok', summary: expect.stringContaining('gets 96 MiB (some 98304 events)') });
    expect(check(256 * 1048576)?.summary).toContain('gets 128 MiB');
  });

  it('reads built-in modules as fine', () => {
    expect(only(module('nf_conntrack_netlink', 'builtin'))).toEqual([]);
  });

  it('asks for IPv6 forwarding only when a VIP is IPv6', () => {
    const v6: Spoil = (f) => (f.config.state === 'ok' ? { ...f, config: { ...f.config, ipv6: true } } : f);
    expect(only(v6).map((c) => [c.id, c.status])).toEqual([['sysctl.ipv6_forwarding', 'fail']]);
    expect(only((f) => sysctl('net.ipv6.conf.all.forwarding', '1')(v6(f)))).toEqual([]);
  });

  it('says how to finish when HALF is not configured and the daemon is not running', () => {
    const found = only((f) => ({
      ...f,
      config: { state: 'missing', file: '/etc/half/half.conf' },
      daemon: { state: 'down', socket: '/run/half/half.sock', reason: 'half-syncd is not running: its control socket /run/half/half.sock does not exist' },
    }));
    expect(found.map((c) => [c.id, c.status])).toEqual([['config', 'fail'], ['daemon', 'fail'], ['events.reader', 'skip'], ['peers', 'skip']]);
    expect(found[0]?.summary).toBe('not configured: /etc/half/half.conf does not exist');
    expect(found[0]?.fix).toBe('run dpkg-reconfigure half-syncd, or edit /etc/half/half.conf and then run half configure --apply');
    expect(found[1]?.summary).toBe('half-syncd is not running: its control socket /run/half/half.sock does not exist');
  });

  it('fails for each configured peer never heard, by any of its addresses on the sync links', () => {
    const heardFrom = (address: string): Spoil => (f) => (f.daemon.state === 'running' ? { ...f, daemon: { ...f.daemon, status: { ...f.daemon.status, peers: f.daemon.status.peers.map((p) => ({ ...p, address })) } } } : f);
    const peersOnLinks = (...links: string[][]): Spoil => (f) => (f.config.state === 'ok'
      ? { ...f, config: { ...f.config, syncPaths: links.flatMap((peers, i) => peers.map((peer) => ({ interface: `sync${i}`, peer, destination: `198.51.100.${100 + i}`, family: 4 as const, multicast: false }))) } }
      : f);
    // a third node in half.conf that never spoke
    const third = only(peersOnLinks(['203.0.113.2', '203.0.113.3']));
    expect(third.map((c) => [c.id, c.status, c.summary])).toEqual([['peer.203.0.113.3', 'fail', 'peer 203.0.113.3 (half.conf) has not been heard since half-syncd started']]);
    // the second link's address of the same node counts as heard; the second node on it does not
    expect(only((f) => heardFrom('198.51.100.2')(peersOnLinks(['203.0.113.2'], ['198.51.100.2'])(f)))).toEqual([]);
    const twoLinks = only(peersOnLinks(['203.0.113.2', '203.0.113.3'], ['198.51.100.2', '198.51.100.3']));
    expect(twoLinks.map((c) => c.summary)).toEqual(['peer 203.0.113.3 / 198.51.100.3 (half.conf) has not been heard since half-syncd started']);
  });

  it('tells a user who may not read the control socket to run as root, not to restart the daemon', () => {
    const found = only((f) => ({ ...f, daemon: { state: 'denied', socket: '/run/half/half.sock', reason: 'permission denied on the control socket /run/half/half.sock' } }));
    expect(found.map((c) => [c.id, c.status])).toEqual([['daemon', 'fail'], ['events.reader', 'skip'], ['peers', 'skip']]);
    expect(found[0]?.fix).toMatch(/as root/);
    expect(found[0]?.fix).not.toMatch(/restart/);
    expect(found[2]?.summary).toMatch(/could not be read/);
  });

  it('tells of a half-syncd that takes no connection (its queue full) to look at it, not to start it', () => {
    const reason = 'half-syncd is not accepting connections on /run/half/half.sock: its queue of waiting connections is full';
    const found = only((f) => ({ ...f, daemon: { state: 'stuck', socket: '/run/half/half.sock', reason } }));
    expect(found.map((c) => [c.id, c.status, c.summary])).toEqual([['daemon', 'fail', reason], ['events.reader', 'skip', expect.stringMatching(/takes no connection/)], ['peers', 'skip', expect.stringMatching(/takes no connection/)]]);
    expect(found[0]?.fix).toMatch(/stuck or stopped\? systemctl status half-syncd/);
    expect(found[0]?.fix).not.toMatch(/systemctl start/);
  });

  it('reports each peer from the daemon\'s view: last ALIVE, or silence', () => {
    const found = only((f) => ({ ...f, daemon: { state: 'running', socket: 's', status: sampleStatus() } }));
    expect(found).toEqual([{ id: 'peer.3', status: 'fail', summary: 'peer 3 (203.0.113.3): silent for 12.5 s', fix: 'check that half-syncd runs on 203.0.113.3 and that the sync link between the nodes is up' }]);
    const ok = runChecks(healthyFacts()).checks.find((c) => c.id === 'peer.2');
    expect(ok?.summary).toBe('peer 2 (203.0.113.2): last ALIVE 0.2 s ago, 17 of its entries held, 10 of our frames unacknowledged');
    const lonely = only((f) => ({ ...f, daemon: { state: 'running', socket: 's', status: { ...sampleStatus(), peers: [] } } }));
    expect(lonely.map((c) => [c.id, c.status, c.summary])).toEqual([['peer.203.0.113.2', 'fail', 'peer 203.0.113.2 (half.conf) has not been heard since half-syncd started']]);
    const multicast = (f: DoctorFacts): DoctorFacts => (f.config.state === 'ok' ? { ...f, config: { ...f.config, syncPaths: [{ interface: 'sync0', destination: '239.0.2.1', family: 4, multicast: true }] } } : f);
    const lonelyGroup = only((f) => multicast({ ...f, daemon: { state: 'running', socket: 's', status: { ...sampleStatus(), peers: [] } } }));
    expect(lonelyGroup.map((c) => [c.id, c.status])).toEqual([['peers', 'fail']]);
    expect(only((f) => ({ ...f, daemon: { state: 'error', socket: 's', reason: 'status schema 9 is not 1' } })).map((c) => c.id)).toEqual(['daemon', 'events.reader', 'peers']);
  });

  it('warns when half-syncd reads its events through the pump as a fallback, with the reason and what to do', () => {
    const events = (kernelEvents: DaemonStatus['kernelEvents']): Spoil => (f) => (f.daemon.state === 'running' ? { ...f, daemon: { ...f.daemon, status: { ...f.daemon.status, kernelEvents } } } : f);
    const fallback = only(events({ subscribed: true, reader: 'pump', fallback: 'the event socket keeper thread failed: Cannot find module', lastError: null }));
    expect(fallback.map((c) => [c.id, c.status])).toEqual([['events.reader', 'warn']]);
    expect(fallback[0]?.summary).toBe('half-syncd reads its conntrack events through the event pump, a fallback: the event socket keeper thread failed: Cannot find module');
    expect(fallback[0]?.fix).toMatch(/journalctl -u half-syncd.*reinstall half-syncd/);
    const reader = (kernelEvents: DaemonStatus['kernelEvents']) => runChecks(events(kernelEvents)(healthyFacts())).checks.find((c) => c.id === 'events.reader');
    expect(reader({ subscribed: true, reader: 'daemon', fallback: null, lastError: null })).toMatchObject({ status: 'ok', summary: 'half-syncd reads its conntrack events with its own thread' });
    expect(reader({ subscribed: true, reader: 'pump', fallback: null, lastError: null })).toMatchObject({ status: 'ok', summary: 'half-syncd reads its conntrack events with the reader half.conf names (pump)' });
    expect(reader({ subscribed: false, reader: null, fallback: null, lastError: null })).toMatchObject({ status: 'ok', summary: 'half-syncd follows no conntrack events yet (a standby needs none)' });
    expect(reader(undefined)).toMatchObject({ status: 'skip' });
  });

  it('skips the clock with its reason when it cannot be read', () => {
    const found = only((f) => ({ ...f, clock: { source: 'none', reason: 'timedatectl is not installed; the sync protocol carries no wall-clock timestamps' } }));
    expect(found).toEqual([{ id: 'clock', status: 'skip', summary: 'clock synchronisation not checked: timedatectl is not installed; the sync protocol carries no wall-clock timestamps' }]);
  });
});

describe('firewall checks', () => {
  const withRules = (rs: ReturnType<typeof ruleset>): Spoil => (f) => ({ ...f, ruleset: { state: 'ok', ruleset: rs } });

  it('fails when a default-drop input chain has no accept for VRRP, naming the chain and the rule to add', () => {
    const rs = ruleset([{ name: 'input', hook: 'input', policy: 'drop', rules: [[m.iifname('sync0'), m.udpDport(3781), m.accept]] }]);
    const found = only(withRules(rs));
    expect(found).toEqual([
      {
        id: 'firewall.vrrp',
        status: 'fail',
        summary: 'VRRP (protocol 112) on lan0 is dropped by inet filter input: policy drop',
        fix: 'allow it before anything drops it, e.g. nft insert rule inet filter input iifname "lan0" meta l4proto vrrp accept (half.conf(5), "firewall")',
      },
    ]);
  });

  it('fails for sync datagrams dropped by a rule, naming the peer', () => {
    const rs = ruleset([{ name: 'input', hook: 'input', policy: 'accept', rules: [[m.udpDport(3781), m.saddr('203.0.113.2'), m.drop]] }]);
    const found = only(withRules(rs));
    expect(found.map((c) => [c.id, c.status])).toEqual([['firewall.sync', 'fail']]);
    expect(found[0]?.summary).toMatch(/^sync traffic \(UDP port 3781\) from 203\.0\.113\.2 on sync0 is dropped by inet filter input: rule handle \d+$/);
    expect(found[0]?.fix).toContain('nft insert rule inet filter input iifname "sync0" udp dport 3781 accept');
  });

  it('warns when a rule decides on what the doctor cannot know', () => {
    const rs = ruleset([{ name: 'input', hook: 'input', policy: 'drop', rules: [[m.saddr('192.0.2.0/24'), m.l4proto('vrrp'), m.accept], [m.udpDport(3781), m.accept]] }]);
    const found = only(withRules(rs));
    expect(found.map((c) => [c.id, c.status])).toEqual([['firewall.vrrp', 'warn']]);
    expect(found[0]?.summary).toMatch(/may be dropped: it depends on inet filter input: rule handle \d+ or inet filter input: policy drop/);
  });

  it('uses the default port and no interface when half.conf cannot be read', () => {
    const rs = ruleset([{ name: 'input', hook: 'input', policy: 'drop', rules: [[m.l4proto('vrrp'), m.accept]] }]);
    const found = runChecks(withRules(rs)({ ...healthyFacts(), config: { state: 'missing', file: '/etc/half/half.conf' } })).checks.filter((c) => c.id.startsWith('firewall') && c.id !== 'firewall.guard');
    expect(found.map((c) => [c.id, c.status])).toEqual([['firewall.vrrp', 'ok'], ['firewall.sync', 'fail']]);
    expect(found[1]?.summary).toBe('sync traffic (UDP port 3781) is dropped by inet filter input: policy drop (half.conf not readable: interfaces and peers unknown)');
    expect(found[1]?.fix).toBe('allow it before anything drops it, e.g. nft insert rule inet filter input udp dport 3781 accept');
  });

  it('skips with the reason when the ruleset cannot be read', () => {
    const found = only((f) => ({ ...f, ruleset: { state: 'unavailable', reason: 'nft is not installed (Debian package nftables)' } }));
    expect(found.map((c) => [c.id, c.status, c.summary])).toEqual([
      ['firewall.vrrp', 'skip', 'firewall not checked: nft is not installed (Debian package nftables)'],
      ['firewall.sync', 'skip', 'firewall not checked: nft is not installed (Debian package nftables)'],
      ['firewall.guard', 'skip', 'table inet half not checked: nft is not installed (Debian package nftables)'],
    ]);
  });
});

describe('report rendering', () => {
  it('prints one line per check, the fix below, and the totals', () => {
    const report = runChecks({ ...healthyFacts(), keepalived: { pids: [] }, sysctls: { ...healthyFacts().sysctls, 'net.netfilter.nf_conntrack_tcp_be_liberal': '0' } });
    const text = renderDoctorText(report);
    const lines = text.split('\n');
    const width = 'sysctl.nf_conntrack_tcp_be_liberal'.length; // the longest id: the column width
    expect(lines[0]).toBe(`OK    ${'config'.padEnd(width)}  /etc/half/half.conf is valid (node 1, sync port 3781)`);
    expect(text).toContain(`FAIL  ${'keepalived'.padEnd(width)}  keepalived is not running: no process named keepalived\n${' '.repeat(width + 8)}fix: systemctl start keepalived`);
    expect(text).toMatch(/^WARN {2}sysctl\.nf_conntrack_tcp_be_liberal {2}/m);
    expect(text.endsWith('\n16 ok, 1 warning, 1 failed, 0 skipped\n')).toBe(true);
    expect(report.failed).toBe(true);
    const json = JSON.parse(renderDoctorJson(report)) as { schema: number; failed: boolean; counts: object; checks: CheckResult[] };
    expect(json).toMatchObject({ schema: 1, failed: true, counts: { ok: 16, warn: 1, fail: 1, skip: 0 } });
    expect(json.checks).toEqual(report.checks);
  });
});
