// Cluster checks of `half doctor`: the configuration, half-syncd and its view of the peers (the
// last ALIVE heard from each), keepalived, and clocks. Pure.
import { fail, ok, skip, warn, type CheckResult } from './check-result.js';
import type { DoctorFacts } from './facts.js';

export const NOT_CONFIGURED_FIX = 'run dpkg-reconfigure half-syncd, or edit /etc/half/half.conf and then run half configure --apply';

export function configCheck(facts: DoctorFacts): CheckResult {
  const { config } = facts;
  switch (config.state) {
    case 'ok':
      return ok('config', `${config.file} is valid (node ${config.nodeId}, sync port ${config.syncPort})`);
    case 'missing':
      return fail('config', `not configured: ${config.file} does not exist`, NOT_CONFIGURED_FIX);
    case 'unreadable':
      // root's alone only when permission was what failed: a folder or another error says so itself (review: EISDIR got "run as root")
      return fail('config', `${config.file} ${config.problem}`, /EACCES|EPERM/.test(config.problem) ? 'run half doctor as root (sudo half doctor): half.conf is root\'s alone' : `make ${config.file} a readable file (half configure writes it), or give --config the file half-syncd reads`);
    case 'invalid':
      return fail('config', `${config.file} is invalid: ${config.problems.join('; ')}`, 'fix the lines named, then run half configure --apply (see half.conf(5))');
  }
}

export function daemonCheck(facts: DoctorFacts): CheckResult {
  const { daemon } = facts;
  if (daemon.state === 'running') {
    const s = daemon.status;
    return ok('daemon', `half-syncd ${s.daemon.version} answers on ${daemon.socket} (pid ${s.daemon.pid}, node ${s.node.id}, ${s.node.role}, keepalived state ${s.node.ha})`);
  }
  if (daemon.state === 'down') {
    return facts.config.state === 'ok'
      ? fail('daemon', daemon.reason, 'systemctl start half-syncd; its log: journalctl -u half-syncd')
      : fail('daemon', daemon.reason, NOT_CONFIGURED_FIX);
  }
  if (daemon.state === 'denied') return fail('daemon', `half-syncd's status cannot be read: ${daemon.reason}`, 'run half doctor as root (sudo half doctor): the control socket is root\'s alone');
  // the process is there (so not "start it"), but the connection is never accepted
  if (daemon.state === 'stuck') {
    return fail('daemon', daemon.reason, 'is half-syncd stuck or stopped? systemctl status half-syncd; journalctl -u half-syncd; systemctl restart half-syncd if it stays so');
  }
  if (daemon.state === 'busy') return fail('daemon', daemon.reason, 'run half doctor again in a moment; if it stays busy, see who holds the connections: ss -xp | grep half.sock');
  return fail('daemon', `half-syncd on ${daemon.socket} does not answer properly: ${daemon.reason}`, (daemon.state === 'error' ? daemon.fix : undefined) ?? 'journalctl -u half-syncd; systemctl restart half-syncd');
}

/** Who reads the kernel's conntrack events in half-syncd, and whether that is a fallback (runtime/kernel-subscription.ts). */
export function eventReaderCheck(facts: DoctorFacts): CheckResult {
  const id = 'events.reader';
  const { daemon } = facts;
  if (daemon.state !== 'running') return skip(id, `the event reader not checked: ${unread(daemon.state)} (see the daemon check)`);
  const events = daemon.status.kernelEvents;
  if (events === undefined) return skip(id, 'the event reader not checked: this half-syncd does not say (older than this half)');
  if (events.reader === null) return ok(id, 'half-syncd follows no conntrack events yet (a standby needs none)');
  const now = events.subscribed ? 'reads' : 'is not following them now (a standby needs none); last time it read';
  if (events.fallback === null) return ok(id, `half-syncd ${now} its conntrack events with ${events.reader === 'daemon' ? 'its own thread' : `the reader half.conf names (${events.reader})`}`);
  return warn(
    id,
    `half-syncd ${now} its conntrack events through the event pump, a fallback: ${events.fallback}`,
    'the pump works, at more CPU per event; journalctl -u half-syncd says why at start. A missing event-socket-keeper-main.js beside half-syncd.js: reinstall half-syncd',
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const NEVER_HEARD_FIX = 'check that the peer runs half-syncd with the same cluster key, and that its sync datagrams reach this node (see the firewall checks)';

/** A configured peer as the addresses it sends from: its i-th address on each unicast link (sync-link.ts pairs peers by position). */
function configuredPeers(facts: DoctorFacts): string[][] {
  if (facts.config.state !== 'ok') return [];
  const links = new Map<string, string[]>();
  for (const path of facts.config.syncPaths) {
    if (path.multicast || path.peer === undefined) continue;
    const key = path.destination ?? path.interface;
    links.set(key, [...(links.get(key) ?? []), path.peer]);
  }
  const columns = [...links.values()];
  const count = Math.max(0, ...columns.map((c) => c.length));
  return Array.from({ length: count }, (_, i) => columns.flatMap((c) => (c[i] === undefined ? [] : [c[i]])));
}

export function peerChecks(facts: DoctorFacts): CheckResult[] {
  const { daemon } = facts;
  if (daemon.state !== 'running') return [skip('peers', `peers not checked: ${unread(daemon.state)} (see the daemon check)`)];
  const peers = daemon.status.peers;
  // configured unicast peers from none of whose addresses an authentic frame came
  const unheard = configuredPeers(facts)
    .filter((addresses) => !peers.some((p) => addresses.includes(p.address)))
    .map((addresses) => fail(`peer.${addresses[0]}`, `peer ${addresses.join(' / ')} (half.conf) has not been heard since half-syncd started`, NEVER_HEARD_FIX));
  if (peers.length === 0 && unheard.length === 0) return [fail('peers', 'half-syncd has heard no peer yet', NEVER_HEARD_FIX)];
  const heard = peers.map((peer) => {
    const id = `peer.${peer.nodeId}`;
    const name = `peer ${peer.nodeId} (${peer.address})`;
    if (peer.state === 'up') return ok(id, `${name}: last ALIVE ${seconds(peer.lastSeenMs)} ago, ${peer.externalEntries} of its entries held${peer.lagFrames === null ? '' : `, ${peer.lagFrames} of our frames unacknowledged`}`);
    return fail(id, `${name}: silent for ${seconds(peer.lastSeenMs)}`, `check that half-syncd runs on ${peer.address} and that the sync link between the nodes is up`);
  });
  return [...heard, ...unheard];
}

function unread(state: Exclude<DoctorFacts['daemon']['state'], 'running'>): string {
  switch (state) {
    case 'down':
      return 'half-syncd is not running';
    case 'denied':
      return 'half-syncd\'s status could not be read';
    case 'stuck':
    case 'busy':
      return 'half-syncd takes no connection now';
    case 'error':
      return 'half-syncd does not answer properly';
  }
}

export function keepalivedCheck(facts: DoctorFacts): CheckResult {
  const { pids, pidFile } = facts.keepalived;
  if (pids.length > 0) return ok('keepalived', `keepalived is running (pid ${pids.join(', ')})`);
  if (pidFile !== undefined && pidFile.pid !== null && !pidFile.alive) {
    return fail('keepalived', `keepalived is not running (stale pid file ${pidFile.path} names pid ${pidFile.pid})`, 'systemctl start keepalived; its log: journalctl -u keepalived');
  }
  return fail('keepalived', 'keepalived is not running: no process named keepalived', 'systemctl start keepalived (half configure writes its configuration)');
}

export function clockCheck(facts: DoctorFacts): CheckResult {
  const { clock } = facts;
  if (clock.source === 'none') return skip('clock', `clock synchronisation not checked: ${clock.reason}`);
  if (clock.synchronized) return ok('clock', 'the system clock is synchronised (NTP)');
  return warn('clock', 'the system clock is not synchronised: log timestamps of the two nodes will not line up (replication itself uses monotonic clocks)', 'enable NTP: timedatectl set-ntp true, or install systemd-timesyncd or chrony');
}
