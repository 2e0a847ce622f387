// Kernel checks of `half doctor`: the conntrack modules HALF relies on, and the sysctls that decide
// whether conntrack events exist and whether committed TCP entries survive a takeover (keys from
// the kernel's Documentation/networking/nf_conntrack-sysctl.rst and ip-sysctl.rst). Pure.
import { fail, ok, warn, type CheckResult } from './check-result.js';
import type { DoctorFacts, ModuleName } from './facts.js';

const MODULE_ROLE: Readonly<Record<ModuleName, { readonly why: string; readonly required: boolean }>> = {
  nf_conntrack: { why: 'connection tracking itself', required: true },
  nf_conntrack_netlink: { why: 'ctnetlink: the events, dumps and commits half-syncd uses', required: true },
  nf_conntrack_ftp: { why: 'the FTP helper, needed only to replicate FTP data connections', required: false },
};

const MODULES_LOAD = 'list it in /etc/modules-load.d/half.conf (the half-kernel package does)';

export function moduleCheck(facts: DoctorFacts, name: ModuleName): CheckResult {
  const id = `module.${name}`;
  const fact = facts.modules[name];
  const { why, required } = MODULE_ROLE[name];
  switch (fact.state) {
    case 'loaded':
      return ok(id, `${name} is loaded (${why})`);
    case 'builtin':
      return ok(id, `${name} is built into kernel ${facts.kernelRelease} (${why})`);
    case 'available':
      return warn(id, `${name} is installed but not loaded (${why})`, `modprobe ${name}, and ${MODULES_LOAD}`);
    case 'missing':
      return required
        ? fail(id, `${name} is neither loaded, built in nor installed for kernel ${facts.kernelRelease} (${why})`, 'boot a kernel with CONFIG_NF_CONNTRACK and CONFIG_NF_CT_NETLINK (any Debian kernel; half-kernel depends on one)')
        : warn(id, `${name} is not available for kernel ${facts.kernelRelease} (${why})`, 'ignore this if no FTP passes the firewall; otherwise boot a kernel with CONFIG_NF_CONNTRACK_FTP');
    case 'unknown':
      return warn(id, `cannot tell whether ${name} is present (${fact.source})`, `check with \`grep ${name} /proc/modules\` or the kernel config`);
  }
}

function sysctlFile(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

export function conntrackEventsCheck(facts: DoctorFacts): CheckResult {
  const id = 'sysctl.nf_conntrack_events';
  const value = facts.sysctls['net.netfilter.nf_conntrack_events'];
  if (value === null) return fail(id, `${sysctlFile('net.netfilter.nf_conntrack_events')} is missing: conntrack is not loaded in this network namespace`, 'modprobe nf_conntrack (the half-kernel package loads it at boot)');
  if (value === '1') return ok(id, 'conntrack events are enabled (nf_conntrack_events = 1)');
  if (value === '2') {
    return warn(
      id,
      'conntrack events go only to entries made while someone listens (nf_conntrack_events = 2): half-syncd follows them on every node, standby too, at more CPU, and a connection made while it was not running (a restart) never reports its end',
      'sysctl -w net.netfilter.nf_conntrack_events=1 (HALF\'s /etc/sysctl.d snippet sets it at boot), then systemctl restart half-syncd',
    );
  }
  return fail(id, `conntrack events are disabled (nf_conntrack_events = ${value}): half-syncd sees no new connections`, 'sysctl -w net.netfilter.nf_conntrack_events=1 (HALF\'s /etc/sysctl.d snippet sets it at boot)');
}

export function beLiberalCheck(facts: DoctorFacts): CheckResult {
  const id = 'sysctl.nf_conntrack_tcp_be_liberal';
  const value = facts.sysctls['net.netfilter.nf_conntrack_tcp_be_liberal'];
  if (value === null) return warn(id, 'nf_conntrack_tcp_be_liberal cannot be read', 'modprobe nf_conntrack');
  if (value === '1') return ok(id, 'TCP window tracking is liberal (nf_conntrack_tcp_be_liberal = 1): taken-over connections are not marked INVALID');
  return warn(id, 'nf_conntrack_tcp_be_liberal = 0: after a takeover, segments of committed TCP connections may be marked INVALID and dropped', 'sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1 (HALF\'s /etc/sysctl.d snippet sets it at boot)');
}

/** What half-syncd asks for its conntrack event socket (kernel/netfilter-socket.ts), and rmem_max that grants it. */
const EVENT_BUFFER_BYTES = 64 * 1024 * 1024;
const ENOUGH_RMEM_MAX = EVENT_BUFFER_BYTES / 2;
/** Bytes an event takes in a netlink socket's receive queue, roughly (its skb). */
const EVENT_TRUESIZE = 1024;

export function rmemMaxCheck(facts: DoctorFacts): CheckResult {
  const id = 'sysctl.rmem_max';
  const raw = facts.sysctls['net.core.rmem_max'];
  const value = raw === null ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(value)) return warn(id, 'net.core.rmem_max cannot be read', 'check with `sysctl net.core.rmem_max`');
  // the kernel grants twice the request, the request capped at rmem_max (socket(7), SO_RCVBUF)
  const granted = 2 * Math.min(value, EVENT_BUFFER_BYTES);
  const events = Math.floor(granted / EVENT_TRUESIZE);
  if (value >= ENOUGH_RMEM_MAX) return ok(id, `net.core.rmem_max = ${value}: half-syncd's conntrack event socket gets ${granted / 1048576} MiB (some ${events} events)`);
  return warn(
    id,
    `net.core.rmem_max = ${value}: half-syncd's conntrack event socket gets only ${Math.round(granted / 1024)} KiB (some ${events} events); a larger burst while it is busy is lost and healed by a full resync`,
    `sysctl -w net.core.rmem_max=${ENOUGH_RMEM_MAX} (HALF's /etc/sysctl.d snippet sets it at boot; a host-wide setting, not per network namespace)`,
  );
}

export function tcpLooseCheck(facts: DoctorFacts): CheckResult {
  const id = 'sysctl.nf_conntrack_tcp_loose';
  const value = facts.sysctls['net.netfilter.nf_conntrack_tcp_loose'];
  if (value === null) return warn(id, 'nf_conntrack_tcp_loose cannot be read', 'modprobe nf_conntrack');
  return value === '0'
    ? ok(id, 'nf_conntrack_tcp_loose = 0: only replicated state lets an established TCP connection through after a takeover')
    : ok(id, `nf_conntrack_tcp_loose = ${value}: the kernel also picks up unknown TCP connections mid-stream (the kernel default; HALF works either way)`);
}

export function forwardingCheck(facts: DoctorFacts): CheckResult[] {
  const results: CheckResult[] = [];
  const v4 = facts.sysctls['net.ipv4.ip_forward'];
  // with IPv6 virtual addresses alone, IPv4 forwarding off is the admin's choice: a warning (review: it failed)
  const onlyIpv6 = facts.config.state === 'ok' && facts.config.ipv4 === false;
  const off = `IPv4 forwarding is off (net.ipv4.ip_forward = ${v4 ?? 'unreadable'})`;
  const fix = 'sysctl -w net.ipv4.ip_forward=1 (HALF\'s /etc/sysctl.d snippet sets it at boot)';
  results.push(
    v4 === '1'
      ? ok('sysctl.ip_forward', 'IPv4 forwarding is on (net.ipv4.ip_forward = 1)')
      : onlyIpv6
        ? warn('sysctl.ip_forward', `${off}; half.conf has IPv6 virtual addresses only, so IPv4 is not routed`, `if this node should route IPv4 too: ${fix}`)
        : fail('sysctl.ip_forward', `${off}: this node does not route`, fix),
  );
  if (facts.config.state === 'ok' && facts.config.ipv6) {
    const v6 = facts.sysctls['net.ipv6.conf.all.forwarding'];
    results.push(
      v6 === '1'
        ? ok('sysctl.ipv6_forwarding', 'IPv6 forwarding is on (net.ipv6.conf.all.forwarding = 1)')
        : fail('sysctl.ipv6_forwarding', `IPv6 forwarding is off (net.ipv6.conf.all.forwarding = ${v6 ?? 'unreadable'}) but half.conf has IPv6 virtual addresses`, 'sysctl -w net.ipv6.conf.all.forwarding=1 (HALF\'s /etc/sysctl.d snippet sets it at boot)'),
    );
  }
  return results;
}

export function tableFillCheck(facts: DoctorFacts): CheckResult {
  const id = 'sysctl.nf_conntrack_max';
  const count = Number(facts.sysctls['net.netfilter.nf_conntrack_count']);
  const max = Number(facts.sysctls['net.netfilter.nf_conntrack_max']);
  if (facts.sysctls['net.netfilter.nf_conntrack_count'] === null || facts.sysctls['net.netfilter.nf_conntrack_max'] === null || !(max > 0)) {
    return warn(id, 'the conntrack table size cannot be read', 'modprobe nf_conntrack');
  }
  const share = count / max;
  const text = `conntrack table holds ${count} of ${max} entries (${(share * 100).toFixed(1)} %)`;
  if (share >= 0.9) return fail(id, `${text}: new connections are about to be dropped`, 'raise net.netfilter.nf_conntrack_max (on both nodes, in the initial network namespace)');
  if (share >= 0.75) return warn(id, text, 'raise net.netfilter.nf_conntrack_max on both nodes before it fills');
  return ok(id, text);
}

export function kernelChecks(facts: DoctorFacts): CheckResult[] {
  return [
    moduleCheck(facts, 'nf_conntrack'),
    moduleCheck(facts, 'nf_conntrack_netlink'),
    moduleCheck(facts, 'nf_conntrack_ftp'),
    conntrackEventsCheck(facts),
    beLiberalCheck(facts),
    tcpLooseCheck(facts),
    rmemMaxCheck(facts),
    ...forwardingCheck(facts),
    tableFillCheck(facts),
  ];
}
