// Issue 5's pass criteria as data, one verdict per criterion and switch, so that a test can
// assert them (HALF must pass every one) and the report can show them as a checklist (the
// reference shows where it falls short). Pure: the analysis in.
import type { Analysis, KindCount, PhaseAnalysis } from './measure.js';
import type { FlowKind } from './traffic/frame.js';

export type CriterionId = 'tcp-kept' | 'udp-kept' | 'ftp-kept' | 'ftp-new-transfer' | 'ftp-pending-transfer' | 'intact' | 'zero-rst' | 'outside-refused' | 'synced-first' | 'single-takeover';

export interface Verdict {
  readonly id: CriterionId;
  /** The switch it is about, or undefined for the whole run. */
  readonly phase: string | undefined;
  readonly ok: boolean;
  readonly text: string;
}

const kind = (p: PhaseAnalysis, k: FlowKind): KindCount | undefined => p.kinds.find((c) => c.kind === k);
const count = (c: KindCount | undefined): string => (c === undefined ? 'none' : `${c.kept} of ${c.flows}` + (c.remapped > 0 ? ` (NAT-remapped: ${c.remappedKept} of ${c.remapped})` : ''));

function phaseVerdicts(p: PhaseAnalysis, a: Analysis, windowS: number): Verdict[] {
  const tcp = kind(p, 'tcp');
  const udp = kind(p, 'udp');
  const ftp = [kind(p, 'ftp-control'), kind(p, 'ftp-data')].filter((c): c is KindCount => c !== undefined);
  const late = a.ftpLateTransfers.filter((t) => t.phase === p.name);
  const pending = a.ftpPendingTransfers.filter((t) => t.phase === p.name);
  const corrupted = p.lost.filter((o) => o.kept && o.corrupted.length > 0);
  const v = (id: CriterionId, ok: boolean, text: string): Verdict => ({ id, phase: p.name, ok, text });
  const out = [
    v('tcp-kept', tcp !== undefined && tcp.kept === tcp.flows, `TCP flows working again within ${windowS} s: ${count(tcp)}`),
    v('udp-kept', udp === undefined || udp.kept === udp.flows, `UDP flows working again within ${windowS} s with their NAT mapping: ${count(udp)}`),
  ];
  if (ftp.length > 0) {
    out.push(v('ftp-kept', ftp.every((c) => c.kept === c.flows), `FTP control and data connections working again within ${windowS} s: ${ftp.map((c) => `${c.kind} ${c.kept} of ${c.flows}`).join(', ')}`));
    out.push(v('ftp-new-transfer', late.length > 0 && late.every((t) => t.ok), `a new FTP data connection after the switch (the helper on the new master): ${late.map((t) => (t.ok ? 'ok' : t.detail)).join('; ') || 'not tried'}`));
    // the expectation of a PORT answered before the switch: only its replica lets the data
    // connection, asked for after the switch, in (and NATed to the client)
    out.push(v('ftp-pending-transfer', pending.length > 0 && pending.every((t) => t.crossed && t.ok), `an FTP data connection for a PORT answered before the switch, opened after it (the expectation replicated, with its NAT): ${pending.map((t) => (!t.crossed ? 'PORT and RETR not on either side of the switch' : t.ok ? 'ok' : t.detail)).join('; ') || 'not tried'}`));
  }
  out.push(v('intact', corrupted.length === 0, `every echo intact on the kept flows: ${corrupted.length === 0 ? 'yes' : corrupted.map((o) => `${o.kind} ${o.flowId}: ${o.why}`).slice(0, 3).join('; ')}`));
  out.push(v('outside-refused', p.outsideRefused, `a connection from the gateway into the LAN is refused after the switch`));
  return out;
}

export function passVerdicts(a: Analysis, recoveryWindowMs: number, replicates: boolean): Verdict[] {
  const windowS = recoveryWindowMs / 1000;
  const run = (id: CriterionId, ok: boolean, text: string): Verdict => ({ id, phase: undefined, ok, text });
  const failback = a.phases.find((p) => p.name === 'failback');
  const expected = 2 + (failback === undefined ? 0 : 1);
  return [
    run('zero-rst', a.rst.gatewayReceived === 0 && a.rst.gatewaySent === 0, `no TCP RST at the server: ${a.rst.gatewayReceived} received, ${a.rst.gatewaySent} sent (LAN hosts: ${a.rst.lanReceived} received)`),
    run('outside-refused', a.refusedBefore && a.lanServiceReachable, `a connection from the gateway into the LAN is refused before the switch (while the LAN reaches the service)`),
    run('synced-first', !replicates || (a.syncMs !== undefined && (failback === undefined || failback.resyncedMs !== undefined)), replicates ? `the standby held every flow before the kill${failback === undefined ? '' : ', and halfone resynced before taking over again'}` : 'nothing to sync (no replication)'),
    run('single-takeover', a.acquisitions.length === expected, `VRRP: ${a.acquisitions.length} acquisitions of the VIPs (${expected} expected, none spurious)`),
    ...a.phases.flatMap((p) => phaseVerdicts(p, a, windowS)),
  ];
}
