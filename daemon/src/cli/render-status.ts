// `half status` for people: who this node is, the peers (state, last seen, sequence numbers,
// lag), table sizes, latencies, and the counters that tell whether replication is healthy
// (drops by reason, resends, NACKs, resyncs, overruns). `--json` prints DaemonStatus itself.
// Pure: DaemonStatus in, text out.
import type { DaemonStatus } from '../control/status-model.js';
import type { HistogramSnapshot } from '../metrics/latency-histogram.js';
import { formatBytes, formatCount, formatDuration, formatMs, textTable } from './text-table.js';

function quantiles(h: HistogramSnapshot): string {
  if (h.p50 === null) return 'no samples recently';
  const window = `${formatDuration(h.windowMs / 1000)}-${formatDuration((2 * h.windowMs) / 1000)}`;
  return `p50 ${formatMs(h.p50)}, p99 ${formatMs(h.p99)} (last ${window}, ${formatCount(h.count)} sample${h.count === 1 ? '' : 's'} in all)`;
}

function peerLines(status: DaemonStatus): string[] {
  if (status.peers.length === 0) return ['peers: none heard yet'];
  const rows = [['NODE', 'ADDRESS', 'STATE', 'LAST SEEN', 'ROLE', 'EPOCH', 'NEXT SEQ', 'ACKED', 'LAG', 'ENTRIES']];
  for (const p of status.peers) {
    rows.push([
      String(p.nodeId),
      p.address,
      p.state,
      `${formatMs(p.lastSeenMs)} ago`,
      p.role ?? '-',
      String(p.epoch),
      p.joined ? String(p.expectedSeq) : 'not joined',
      p.ackedUpTo === null ? '-' : String(p.ackedUpTo),
      p.lagFrames === null ? '-' : formatCount(p.lagFrames),
      formatCount(p.externalEntries),
    ]);
  }
  return ['peers:', ...textTable(rows, '  ')];
}

function counterLines(status: DaemonStatus): string[] {
  const s = status.summary;
  const rows = [
    ['events in', formatCount(s.eventsIn), 'events out', formatCount(s.eventsOut), 'applied from peers', formatCount(s.recordsApplied)],
    ['resends', formatCount(s.resends), 'NACKs sent', formatCount(s.nacksSent), 'NACKs received', formatCount(s.nacksReceived)],
    ['resyncs', formatCount(s.resyncs), 'overruns', formatCount(s.overruns), 'resend overflows', formatCount(s.resendQueueOverflows)],
  ];
  const drops = Object.entries(status.counters.drops);
  const total = drops.reduce((sum, [, n]) => sum + n, 0);
  const dropText = total === 0 ? 'none' : drops.filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${formatCount(n)}`).join(', ');
  return ['counters:', ...textTable(rows, '  '), `drops: ${dropText}${total === 0 ? '' : ` (${formatCount(total)} in all)`}`];
}

/** "N replaced, " when a commit replaced entries (kernel/commit-plan.ts); nothing otherwise. */
export function replacedText(replaced: number | undefined): string {
  return replaced === undefined || replaced === 0 ? '' : `${formatCount(replaced)} replaced, `;
}

function commitLine(status: DaemonStatus): string {
  const { commits } = status;
  if (commits.last === null) return 'commits: none yet';
  const last = commits.last;
  return (
    `commits: ${formatCount(commits.count)}, last ${formatCount(last.entries)} entries in ${formatMs(last.durationMs)} ` +
    `(${formatCount(last.created)} created, ${replacedText(last.replaced)}${formatCount(last.updated)} updated, ${formatCount(last.failed)} failed); ${quantiles(commits.durationMs)}`
  );
}

function kernelEventsLine(status: DaemonStatus): string[] {
  if (status.kernelEvents === undefined) return [];
  const { subscribed, reader, fallback, lastError } = status.kernelEvents;
  const buffer = status.counters.kernel['recvBufferSize'];
  // a standby follows no events (runtime/kernel-subscription.ts)
  let line = subscribed ? `kernel events: read by ${reader ?? 'unknown'}` : `kernel events: not followed${reader === null ? '' : ` (last read by ${reader})`}`;
  if (subscribed && buffer !== undefined && buffer > 0) line += `, receive buffer ${formatBytes(buffer)}`;
  const dropped = status.counters.kernel['droppedByKernel'];
  if (subscribed && dropped !== undefined && dropped > 0) line += `, ${formatCount(dropped)} dropped by the kernel`;
  if (fallback !== null) line += `; ${fallback}`;
  if (lastError !== null) line += `; last error: ${lastError}`;
  return [line];
}

function syncLinksLine(status: DaemonStatus): string[] {
  const rejoins = status.counters.channel?.['multicastRejoins'] ?? 0;
  const rejoinText = `multicast group joined anew ${formatCount(rejoins)} time${rejoins === 1 ? '' : 's'} (sync interface made again)`;
  if (status.syncLinks === undefined) return rejoins > 0 ? [`sync link: ${rejoinText}`] : [];
  const { switches, links } = status.syncLinks;
  const each = links.map((link) => {
    const notes = [...(link.active ? ['active'] : []), `last heard ${formatMs(link.silentForMs)} ago`, ...(link.sendErrors > 0 ? [`${formatCount(link.sendErrors)} send errors`] : [])];
    return `${link.interface} (${notes.join(', ')})`;
  });
  return [`sync links: ${each.join(', ')}; ${formatCount(switches)} switch${switches === 1 ? '' : 'es'}${rejoins > 0 ? `; ${rejoinText}` : ''}`];
}

export function renderStatus(status: DaemonStatus): string {
  const { daemon, node, stream, tables } = status;
  const lines = [
    `half-syncd ${daemon.version} (pid ${daemon.pid}, up ${formatDuration(daemon.uptimeSeconds)}, ${daemon.configFile})`,
    `node ${node.id} (epoch ${node.bootEpoch}): keepalived ${node.ha}, sync role ${node.role}, mode ${node.mode}`,
    `stream: last seq ${stream.lastSeq}, ${formatCount(stream.resendQueue)} frames awaiting ack, resync ${stream.resyncInProgress ? 'in progress' : 'idle'}`,
    `tables: internal ${formatCount(tables.internal)}, external ${formatCount(tables.external)}, kernel ${tables.kernel === null ? 'unknown' : formatCount(tables.kernel)}`,
    ...kernelEventsLine(status),
    ...syncLinksLine(status),
    '',
    ...peerLines(status),
    '',
    `replication lag: ${quantiles(status.latency.replicationLagMs)}`,
    commitLine(status),
    '',
    ...counterLines(status),
  ];
  return lines.join('\n') + '\n';
}
