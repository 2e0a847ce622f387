// Reads, read-only, what the doctor judges besides the kernel: keepalived's processes (by exact
// comm in /proc, and its pid file), the nftables ruleset (`nft -j list ruleset`), the clock's NTP
// state (`timedatectl show`), half.conf, and half-syncd's status over the control socket.
import { readdir, readFile } from 'node:fs/promises';
import type { HalfConfig } from '../config/half-conf.js';
import { HalfConfError } from '../config/config-error.js';
import { formatProblem } from '../config/config-error.js';
import { loadHalfConf } from '../config/load-config.js';
import { sendControlRequest } from '../control/control-client.js';
import { DaemonUnavailableError } from '../control/errors.js';
import { decodeDaemonStatus } from '../control/status-decode.js';
import type { ClockFact, ConfigFact, ConfiguredPath, DaemonFact, KeepalivedFact, RulesetFact } from './facts.js';
import { runTool } from '../tools/run-tool.js';
import { parseNftJson } from './nft-ruleset.js';

export const KEEPALIVED_PID_FILE = '/run/keepalived.pid';

export async function gatherKeepalived(pidFilePath = KEEPALIVED_PID_FILE): Promise<KeepalivedFact> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const pids: number[] = [];
  await Promise.all(
    entries.filter((name) => /^\d+$/.test(name)).map(async (name) => {
      const comm = await readFile(`/proc/${name}/comm`, 'utf8').catch(() => '');
      if (comm.trim() === 'keepalived') pids.push(Number(name));
    }),
  );
  pids.sort((a, b) => a - b);
  const text = await readFile(pidFilePath, 'utf8').catch(() => null);
  if (text === null) return { pids };
  const pid = /^\s*(\d+)\s*$/.test(text) ? Number(text.trim()) : null;
  const alive = pid !== null && (await readFile(`/proc/${pid}/comm`, 'utf8').then((c) => c.trim() === 'keepalived', () => false));
  return { pids, pidFile: { path: pidFilePath, pid, alive } };
}

/** The iptables-legacy tables in use (DoctorFacts.legacyIptables): none when x_tables is not loaded. */
export async function gatherLegacyIptables(procNet = '/proc/net'): Promise<string[]> {
  const names = await Promise.all(['ip_tables_names', 'ip6_tables_names'].map((file) => readFile(`${procNet}/${file}`, 'utf8').catch(() => '')));
  return [...new Set(names.join('\n').split('\n').map((line) => line.trim()).filter((line) => line !== ''))];
}

export async function gatherRuleset(nft: readonly string[] = ['nft']): Promise<RulesetFact> {
  const [file, ...prefix] = nft;
  if (file === undefined) return { state: 'unavailable', reason: 'no nft command given' };
  const out = await runTool(file, [...prefix, '-j', 'list', 'ruleset'], { timeoutMs: 10_000 });
  if (out.code === null) {
    return { state: 'unavailable', reason: out.error?.includes('(ENOENT') === true ? 'nft is not installed (Debian package nftables)' : `nft could not be run: ${out.error ?? 'unknown error'}` };
  }
  if (out.code !== 0) return { state: 'unavailable', reason: `nft -j list ruleset failed: ${out.stderr.trim().split('\n')[0] ?? ''}` };
  const parsed = parseNftJson(out.stdout);
  return parsed.ok ? { state: 'ok', ruleset: parsed.ruleset } : { state: 'unavailable', reason: parsed.reason };
}

export async function gatherClock(command: readonly string[] = ['timedatectl'], timeoutMs = 5000): Promise<ClockFact> {
  const [file, ...prefix] = command;
  const out = await runTool(file ?? 'timedatectl', [...prefix, 'show', '--property=NTPSynchronized', '--property=NTP'], { timeoutMs });
  const values = new Map(out.stdout.split('\n').map((line) => line.split('=', 2) as [string, string | undefined]));
  const synced = values.get('NTPSynchronized');
  const why = 'the sync protocol carries no wall-clock timestamps, so peer clock offsets are not measured';
  if (out.code !== 0 || (synced !== 'yes' && synced !== 'no')) {
    const said = out.stderr.trim().split('\n')[0] ?? '';
    // as for nft: only ENOENT is "not installed" (a timedatectl killed at the timeout was called so: review)
    const missing = out.error?.includes('(ENOENT') === true;
    const detail = out.code === null ? (missing ? 'timedatectl is not installed' : `timedatectl could not be run: ${out.error ?? 'unknown error'}`) : `timedatectl could not tell${said === '' ? '' : ` (${said})`}`;
    return { source: 'none', reason: `${detail}; ${why}` };
  }
  const ntp = values.get('NTP');
  return { source: 'timedatectl', synchronized: synced === 'yes', ntp: ntp === undefined ? undefined : ntp === 'yes' };
}

/** The traffic paths of a valid configuration (see facts.ts ConfiguredPath). */
export function configuredPaths(config: HalfConfig): { sync: ConfiguredPath[]; vrrp: ConfiguredPath[] } {
  const sync = config.sync.links.flatMap((link): ConfiguredPath[] =>
    link.multicastGroup !== undefined
      ? [{ interface: link.interface, destination: link.multicastGroup.text, family: link.address.family, multicast: true }]
      : link.peers.map((peer) => ({ interface: link.interface, peer: peer.text, destination: link.address.text, family: peer.family, multicast: false })),
  );
  const group = (family: 4 | 6) => (family === 4 ? '224.0.0.18' : 'ff02::12');
  let vrrp: ConfiguredPath[];
  if (config.vrrp.adverts === 'sync-link') {
    const link = config.sync.links[0];
    vrrp = link.peers.length > 0
      ? link.peers.map((peer) => ({ interface: link.interface, peer: peer.text, destination: link.address.text, family: peer.family, multicast: false }))
      : [{ interface: link.interface, destination: group(link.address.family), family: link.address.family, multicast: true }];
  } else {
    vrrp = config.vips.map((vipIf) => {
      const family = vipIf.vips.some((v) => v.address.family === 4) ? 4 : 6;
      return { interface: vipIf.interface, destination: group(family), family, multicast: true };
    });
  }
  return { sync, vrrp };
}

export async function gatherConfig(path: string): Promise<{ fact: ConfigFact; config?: HalfConfig }> {
  try {
    const config = await loadHalfConf(path);
    const paths = configuredPaths(config);
    const ipv6 = config.vips.some((v) => v.vips.some((vip) => vip.address.family === 6));
    const ipv4 = config.vips.some((v) => v.vips.some((vip) => vip.address.family === 4));
    return {
      config,
      fact: { state: 'ok', file: path, nodeId: config.node.id, syncPort: config.sync.port, controlSocket: config.daemon.controlSocket, syncPaths: paths.sync, vrrpPaths: paths.vrrp, ipv6, ipv4 },
    };
  } catch (error) {
    if (!(error instanceof HalfConfError)) return { fact: { state: 'invalid', file: path, problems: [String(error)] } };
    const [only] = error.problems;
    if (error.problems.length === 1 && only !== undefined && only.file === path && only.message === 'does not exist') return { fact: { state: 'missing', file: path } };
    if (error.problems.length === 1 && only !== undefined && only.file === path && only.message.startsWith('cannot be read')) return { fact: { state: 'unreadable', file: path, problem: only.message } };
    return { fact: { state: 'invalid', file: path, problems: error.problems.map(formatProblem) } };
  }
}

export async function gatherDaemon(socket: string, timeoutMs = 5000): Promise<DaemonFact> {
  try {
    const decoded = decodeDaemonStatus(await sendControlRequest(socket, { cmd: 'status' }, { timeoutMs }));
    return decoded.ok ? { state: 'running', socket, status: decoded.status } : { state: 'error', socket, reason: decoded.reason, fix: OTHER_RELEASE_FIX };
  } catch (error) {
    if (error instanceof DaemonUnavailableError && (error.reason === 'absent' || error.reason === 'refused')) return { state: 'down', socket, reason: error.message };
    if (error instanceof DaemonUnavailableError && error.reason === 'permission') return { state: 'denied', socket, reason: error.message };
    if (error instanceof DaemonUnavailableError && error.reason === 'not-accepting') return { state: 'stuck', socket, reason: error.message };
    if (error instanceof DaemonUnavailableError && error.reason === 'busy') return { state: 'busy', socket, reason: error.message };
    // a reply the client could not read says why (an answer of another release names that)
    const hint = (error as { hint?: unknown }).hint;
    return { state: 'error', socket, reason: error instanceof Error ? error.message : String(error), ...(typeof hint === 'string' ? { fix: hint } : {}) };
  }
}

/** What to do about a status this half cannot read: not a restart (review: the fix said to restart). */
const OTHER_RELEASE_FIX = 'are half and half-syncd from the same release? dpkg -l half half-syncd; upgrade both (apt-get install half), then systemctl restart half-syncd';
