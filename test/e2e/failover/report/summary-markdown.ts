// The report's Markdown summary (CommonMark + GitHub tables): what ran, the pass criteria as a
// checklist, flows kept per kind, takeover times, longest gaps, RSTs, and how it was measured.
// Pure: the run's data, its analysis and verdicts in; text out.
import type { Analysis, PhaseAnalysis } from '../harness/measure.js';
import type { Verdict } from '../harness/pass-criteria.js';
import type { ScenarioResult } from '../harness/scenario-result.js';
import { int, ms, pct } from './format.js';

export interface SummaryInput {
  readonly result: ScenarioResult;
  readonly analysis: Analysis;
  readonly verdicts: readonly Verdict[];
  /** A line shown under the title (e.g. what this sample is). */
  readonly note?: string;
  /** The plots, by phase name, as file names next to the summary. */
  readonly plots: Readonly<Record<string, string>>;
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

function phaseColumns(phases: readonly PhaseAnalysis[], pick: (p: PhaseAnalysis) => string): string[] {
  return phases.map(pick);
}

export function renderSummary(input: SummaryInput): string {
  const { result: r, analysis: a, verdicts } = input;
  const phases = a.phases;
  const details = Object.values(r.details).join(', ');
  const s = r.size;
  const lines: string[] = [];
  lines.push(`# Failover report: ${r.label}`, '');
  if (input.note !== undefined) lines.push(`> ${input.note}`, '');
  lines.push(
    `- Stack: **${r.stack}**${details === '' ? '' : ` (${details})`}`,
    `- Traffic: ${int(s.tcpFlows)} TCP + ${int(s.udpFlows)} UDP flows through SNAT, a message every ${s.intervalMs} ms each; ${s.collidingTcp} TCP and ${s.collidingUdp} UDP source ports used by both LAN hosts (so SNAT remapped one of each pair)${s.ftp ? '; an active-mode FTP session streaming over its data connection' : ''}${s.extraEntries > 0 ? `; ${int(s.extraEntries)} extra conntrack entries injected on the active node` : ''}`,
    `- Run: ${new Date(r.startedAt).toISOString()}, ${((r.endedAt - r.startedAt) / 1000).toFixed(0)} s`,
    '',
    '## Pass criteria',
    '',
    table(['', 'criterion', 'switch'], verdicts.map((v) => [v.ok ? 'pass' : '**FAIL**', v.text, v.phase ?? 'run'])),
    '',
    '## Flows kept',
    '',
    table(
      ['switch', 'kind', 'flows', 'kept', 'kept, every echo intact', 'NAT-remapped: kept'],
      phases.flatMap((p) => p.kinds.map((k) => [p.name, k.kind, int(k.flows), `${int(k.kept)} (${pct(k.kept, k.flows)})`, int(k.intact), k.remapped === 0 ? '—' : `${k.remappedKept} of ${k.remapped}`])),
    ),
    '',
    '## Takeover',
    '',
    table(
      ['from the switch', ...phases.map((p) => `${p.name} (to ${p.newMaster})`)],
      [
        ['VIPs moved', ...phaseColumns(phases, (p) => ms(p.vipMovedMs))],
        ['first echo forwarded after the VIPs moved', ...phaseColumns(phases, (p) => ms(p.firstForwardMs))],
        ['last kept flow back', ...phaseColumns(phases, (p) => ms(p.allBackMs))],
        ['notify hook ran, after the VIPs moved', ...phaseColumns(phases, (p) => ms(p.notifyAfterVipMs))],
        ['commit of the replicated state', ...phaseColumns(phases, (p) => ms(p.commitMs))],
        ['returning node resynced', ...phaseColumns(phases, (p) => (p.name === 'failback' ? `${ms(p.resyncedMs)}${p.resyncedBy === 'node' ? ' (its own log)' : ''}` : '—'))],
        ['INVALID packets dropped by the new master', ...phaseColumns(phases, (p) => int(p.invalidDrops))],
      ],
    ),
    '',
    '## Longest gap per flow',
    '',
    'The longest time each flow went without an echo, from its last echo before the switch to the end of the observation.',
    '',
    table(
      ['switch', 'flows', 'p50', 'p99', 'max'],
      phases.flatMap((p) => [
        [`${p.name}, all`, int(p.longestGap.count), ms(p.longestGap.p50), ms(p.longestGap.p99), ms(p.longestGap.max)],
        ...Object.entries(p.longestGapByKind).map(([kind, g]) => [`${p.name}, ${kind}`, int(g.count), ms(g.p50), ms(g.p99), ms(g.max)]),
      ]),
    ),
    '',
    '## RSTs and refused connections',
    '',
    table(['host', 'RST received', 'RST sent'], Object.entries(r.rst).map(([host, c]) => [host, int(c.received), int(c.sent)])),
    '',
    `- Connection from the gateway into the LAN: ${a.refusedBefore ? 'refused' : '**accepted**'} before the switch, ${phases.map((p) => `${p.outsideRefused ? 'refused' : '**accepted**'} after the ${p.name}`).join(', ')}; the same service ${a.lanServiceReachable ? 'answered' : '**did not answer**'} from inside the LAN.`,
    `- Standby in sync: ${ms(a.syncMs)} after ${r.injected === undefined ? 'the traffic ran' : `${int(r.injected.entries)} entries were injected`}.`,
    ...(a.helperRewrotePort === undefined ? [] : [`- FTP helper: PORT commands reached the server ${a.helperRewrotePort ? 'rewritten to the WAN VIP' : '**not rewritten**'}; new transfers after each switch: ${a.ftpLateTransfers.map((t) => `${t.phase ?? '?'} ${t.ok ? 'ok' : `failed (${t.detail})`}`).join(', ') || 'none'}; transfers whose PORT was answered before the switch: ${a.ftpPendingTransfers.map((t) => `${t.phase ?? '?'} ${t.crossed && t.ok ? 'ok' : `failed (${t.crossed ? t.detail : 'did not cross the switch'})`}`).join(', ') || 'none'}.`]),
    `- VRRP: the VIPs were taken ${a.acquisitions.map((x) => x.node).join(' → ')}.`,
    '',
  );
  for (const p of phases) {
    const plot = input.plots[p.name];
    if (plot !== undefined) lines.push(`## ${p.name[0]?.toUpperCase()}${p.name.slice(1)}: throughput and live flows`, '', `![${p.name}](${plot})`, '');
  }
  const lost = phases.flatMap((p) => p.lost.slice(0, 10).map((o) => [p.name, String(o.flowId), o.kind, o.host, o.remapped ? 'yes' : 'no', o.why]));
  if (lost.length > 0) lines.push('## Flows lost or damaged (first 10 per switch)', '', table(['switch', 'flow', 'kind', 'host', 'NAT-remapped', 'why'], lost), '');
  lines.push(
    '## How this was measured',
    '',
    `Network namespaces (tom, jerry → LAN switch → halfone/halftwo with a sync link → WAN switch → gateway), documentation addresses only. Both firewalls run the same stateful nftables ruleset (FORWARD and INPUT drop by default; ESTABLISHED,RELATED accepted; NEW only from the LAN; INVALID dropped; \`nf_conntrack_tcp_loose=0\`; SNAT to the WAN VIP; the FTP helper on LAN-started control connections). Switching halfone off: every process in its namespace frozen (SIGSTOP), its links taken down (the switch instant), then SIGKILL. Switching it on: empty conntrack table, no VIPs, ruleset reloaded, links up, the stack started again; it preempts after keepalived's preempt_delay. A flow is kept when it was alive before the switch, works again within ${r.recoveryWindowMs / 1000} s, still works at the end, had no socket error and its translated source (seen by the server) never changed; it is intact when, besides, every echo matched what was sent. RSTs are counted by nft counters on each host. Times are taken on the host's single clock by every process.`,
    '',
  );
  return lines.join('\n');
}
