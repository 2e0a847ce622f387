// Issue 5, the seed's failover test as a permanent harness, run against the reference stack:
// Debian's conntrackd (FT-FW) + keepalived on both firewalls, 500 TCP + 100 UDP NATed flows
// (25 + 25 source ports shared by tom and jerry, so SNAT remapped one of each pair), an
// active-mode FTP session streaming across the switch, halfone switched off brutally (freeze,
// links down, SIGKILL), then switched on again (resync, preempt). The same scenario without state
// sync must lose the connections: that proves the harness can fail.
//
// The reference falls short of HALF's pass criteria in two places, both asserted here as what
// they are (so any other loss still fails the test), and shown in the report:
// - keepalived adds the VIPs before the notify hook commits the replicated state: a LAN datagram
//   that reaches the new master in between creates a fresh UDP entry, so a flow whose source port
//   the other LAN host also uses can come out with another NAT mapping, or even swap mappings
//   with its twin (its echoes go to the other host); seen mostly at failback and at scale;
// - the FTP control connection's NAT sequence adjustment (the helper lengthened each PORT by 3
//   bytes) is not in effect on the new master: the first bytes after the switch are lost, 3 per
//   PORT rewritten before it. With the stream's and the pending transfer's PORTs that is 6 bytes,
//   a whole NOOP: one reply fewer, and the client's replies are out of step from then on (a RETR
//   reads a NOOP's "200"), so the transfers asked for after the switch fail at the client;
// - the FTP expectation conntrackd synced (ExpectationSync) reaches the new master without its
//   NAT: the server's data connection for a PORT answered before the switch is RELATED but not
//   sent on to tom, so the new master's own TCP answers it with an RST (tom sends none).
//
// The report goes to report/<label>/; UPDATE_SAMPLE_REPORT=1 also copies the reference's to
// docs/sample-report/ (the README links it). Takes about a minute; needs root.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../helpers/tools.js';
import { ConntrackdStack } from './harness/conntrackd-stack.js';
import type { Analysis, PhaseAnalysis } from './harness/measure.js';
import type { Verdict } from './harness/pass-criteria.js';
import { runScenario } from './harness/scenario.js';
import { SUITE_SIZE, TIMING_DEFAULTS } from './harness/scenario-options.js';
import type { ScenarioResult } from './harness/scenario-result.js';
import { writeReport, type WrittenReport } from './report/write-report.js';

const SAMPLE_DIR = fileURLToPath(new URL('../../../docs/sample-report/', import.meta.url));
const SAMPLE_NOTE = [
  'Sample report of the **reference stack**, Debian\'s conntrackd + keepalived, in HALF\'s failover harness: this is not HALF.',
  'Made by `UPDATE_SAMPLE_REPORT=1 npx vitest run test/e2e/failover/conntrackd-reference.test.ts` (the full data of each run',
  'stays in `report/`). FAIL lines are the reference\'s known shortcomings: keepalived moves the VIPs before conntrackd commits,',
  'so UDP datagrams arriving in between get fresh NAT mappings; and the FTP control connection loses the NAT sequence',
  'adjustment, so the first command after a switch arrives 3 bytes short. Numbers vary from run to run on a shared machine.',
].join('\n> ');

let scratch: string;
beforeAll(async () => {
  for (const tool of ['ip', 'nft', 'conntrack', 'conntrackd', 'keepalived', 'socat', 'sysctl']) requireTool(tool);
  scratch = await mkdtemp(join(tmpdir(), 'half-failover-'));
});
afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

const phase = (a: Analysis, name: string): PhaseAnalysis => {
  const p = a.phases.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no ${name} phase in the run`);
  return p;
};
const verdict = (vs: readonly Verdict[], id: Verdict['id'], phaseName?: string): Verdict => {
  const v = vs.find((x) => x.id === id && x.phase === phaseName);
  if (v === undefined) throw new Error(`no verdict ${id} for ${phaseName ?? 'the run'}`);
  return v;
};

describe('conntrackd + keepalived (the reference)', () => {
  let result: ScenarioResult;
  let report: WrittenReport;
  beforeAll(async () => {
    result = await runScenario({ label: 'conntrackd-reference', stack: new ConntrackdStack({ replicate: true }), ...SUITE_SIZE, ftp: true, failback: true, ...TIMING_DEFAULTS, runDir: join(scratch, 'reference') });
    report = await writeReport(result);
    if (process.env['UPDATE_SAMPLE_REPORT'] === '1') {
      const sample = await writeReport(result, { dir: join(scratch, 'sample'), note: SAMPLE_NOTE, raw: false });
      for (const file of sample.files) await cp(join(sample.dir, file), join(SAMPLE_DIR, file));
    }
  }, 600_000);

  it('had the standby in sync before the kill and halfone resynced before it took over again, with no spurious VRRP transition', () => {
    expect(verdict(report.verdicts, 'synced-first').ok, verdict(report.verdicts, 'synced-first').text).toBe(true);
    expect(report.analysis.acquisitions.map((a) => a.node)).toEqual(['halfone', 'halftwo', 'halfone']);
    const failback = phase(report.analysis, 'failback');
    expect(failback.resyncedMs).toBeLessThan(failback.vipMovedMs ?? 0);
  });

  it.each(['failover', 'failback'])('keeps every established TCP flow, NAT-remapped ones included, through the %s', (name) => {
    const p = phase(report.analysis, name);
    const tcp = p.kinds.find((k) => k.kind === 'tcp');
    expect(tcp?.flows).toBe(SUITE_SIZE.tcpFlows);
    expect(tcp?.remapped).toBeGreaterThanOrEqual(SUITE_SIZE.collidingTcp);
    expect(p.lost.filter((o) => o.kind === 'tcp')).toEqual([]);
    expect(tcp?.intact).toBe(tcp?.flows);
    expect(p.longestGapByKind.tcp?.max).toBeLessThanOrEqual(TIMING_DEFAULTS.recoveryWindowMs);
  });

  it.each(['failover', 'failback'])('keeps the FTP session through the %s: data streaming, control answering', (name) => {
    expect(verdict(report.verdicts, 'ftp-kept', name).ok, verdict(report.verdicts, 'ftp-kept', name).text).toBe(true);
    expect(report.analysis.helperRewrotePort).toBe(true);
  });

  it.each(['failover', 'failback'])('fails the FTP transfers asked for after the %s only where the lost sequence adjustment put the replies out of step', (name) => {
    // the reference's shortcoming above, not the expectations': a transfer fails at the client
    // only by reading a NOOP's reply where its RETR's "150" should be
    const outOfStep = /^FTP: expected 150, got "200 NOOP ok"$/;
    for (const id of ['ftp-new-transfer', 'ftp-pending-transfer'] as const) {
      const v = verdict(report.verdicts, id, name);
      if (!v.ok) expect(v.text.slice(v.text.lastIndexOf('): ') + 3).split('; ').every((why) => why === 'ok' || outOfStep.test(why)), v.text).toBe(true);
    }
    expect(report.analysis.ftpPendingTransfers.filter((t) => t.phase === name).map((t) => t.crossed)).toEqual([true]);
  });

  /**
   * Flows whose source port another flow holds too: bound to a port the other LAN host uses as
   * well, or to a port SNAT gave another flow of its protocol when that flow's own collided (an
   * ephemeral port of jerry's can be where tom's colliding flow was mapped). In the race, a
   * datagram reaching the new master before the commit takes its port from a table that lacks
   * the other flow's entry, and either may come out with another mapping.
   */
  const sharedPort = (): Set<number> => {
    const flows = result.clients.flatMap((c) => c.flows);
    const holders = new Map<string, number[]>(); // kind:port → the flows SNAT mapped to that port
    for (const v of result.server.flows) holders.set(`${v.kind}:${v.port}`, [...(holders.get(`${v.kind}:${v.port}`) ?? []), v.flowId]);
    const taken = (f: (typeof flows)[number]): boolean => (holders.get(`${f.kind}:${f.localPort}`) ?? []).some((id) => id !== f.flowId);
    return new Set(flows.filter((f) => f.collides || taken(f)).map((f) => f.flowId));
  };

  it.each(['failover', 'failback'])('loses or damages UDP flows in the %s only through the VIPs-before-commit race', (name) => {
    // a LAN datagram that reaches the new master before the commit gets a fresh NAT mapping; only
    // a flow whose source port another flow holds too (sharedPort) can come out with another
    // mapping, or swap mappings with its twin (an echo of the other host's flow)
    const p = phase(report.analysis, name);
    const udp = p.kinds.find((k) => k.kind === 'udp');
    expect(udp?.remapped).toBeGreaterThanOrEqual(SUITE_SIZE.collidingUdp);
    const shared = sharedPort();
    const hurt = p.lost.filter((o) => o.kind === 'udp');
    // Mostly the flows sharing a port; but sharedPort reads the mappings the server saw, and a
    // port another flow held on the new master only at the switch escapes it (a full run on
    // 2026-11-29 saw tom's flow 284, in no shared port, remapped): such a flow must still show
    // the race's own mark, a changed mapping, and never a wrong echo
    for (const o of hurt.filter((h) => !shared.has(h.flowId))) expect(o.why).toMatch(/^NAT mapping changed/);
    for (const o of hurt) expect(o.why).toMatch(/^(NAT mapping changed|\d+ wrong echoe?s? \(echo of flow \d+\))/);
  });

  it('damages no other echo than the FTP control stream\'s, where the NAT sequence adjustment is lost', () => {
    const shared = sharedPort();
    for (const p of report.analysis.phases) {
      const damaged = p.lost.filter((o) => o.corrupted.length > 0 && !(o.kind === 'udp' && shared.has(o.flowId)));
      expect(damaged.filter((o) => o.kind !== 'ftp-control')).toEqual([]);
      // 502: a command that lost its first bytes; 150: a RETR's reply read by the NOOP before it
      for (const o of damaged) expect(o.corrupted.every((c) => /^(502|150) /.test(c.what)), JSON.stringify(o.corrupted.slice(0, 3))).toBe(true);
    }
  });

  it('sees no RST at the server but one from the new master per pending FTP transfer, none on the LAN hosts', () => {
    // the synced expectation without its NAT: the data connection ends on the firewall's own TCP
    expect(report.analysis.rst).toMatchObject({ gatewaySent: 0, lanReceived: 0, lanSent: 0 });
    expect(report.analysis.rst.gatewayReceived).toBeLessThanOrEqual(report.analysis.ftpPendingTransfers.length);
  });

  it('refuses a connection from the gateway into the LAN before and after each switch, while the LAN reaches the service', () => {
    expect(verdict(report.verdicts, 'outside-refused').ok).toBe(true);
    for (const p of report.analysis.phases) expect(p.outsideRefused).toBe(true);
  });

  it('moves the VIPs to the standby within the recovery window and commits the replicated state there', () => {
    const failover = phase(report.analysis, 'failover');
    expect(failover.vipMovedMs).toBeLessThan(TIMING_DEFAULTS.recoveryWindowMs);
    expect(failover.commitMs).toBeGreaterThan(0);
    expect(failover.allBackMs).toBeLessThanOrEqual(TIMING_DEFAULTS.recoveryWindowMs);
  });

  it('writes the report: a Markdown summary and an SVG plot per switch', () => {
    expect(report.files).toEqual(expect.arrayContaining(['README.md', 'failover.svg', 'failback.svg']));
  });
});

describe('keepalived without state sync (the control: the harness can fail)', () => {
  let report: WrittenReport;
  beforeAll(async () => {
    const result = await runScenario({ label: 'keepalived-no-sync', stack: new ConntrackdStack({ replicate: false }), ...SUITE_SIZE, ftp: true, failback: false, ...TIMING_DEFAULTS, runDir: join(scratch, 'control') });
    report = await writeReport(result);
  }, 600_000);

  it('moves the VIPs all the same', () => {
    expect(phase(report.analysis, 'failover').vipMovedMs).toBeLessThan(TIMING_DEFAULTS.recoveryWindowMs);
    expect(report.analysis.acquisitions.map((a) => a.node)).toEqual(['halfone', 'halftwo']);
  });

  it('loses every TCP flow and the FTP session (mid-stream packets without state are INVALID)', () => {
    const p = phase(report.analysis, 'failover');
    expect(p.kinds.find((k) => k.kind === 'tcp')?.kept).toBe(0);
    expect(p.kinds.filter((k) => k.kind.startsWith('ftp')).map((k) => k.kept)).toEqual([0, 0]);
    expect(p.invalidDrops).toBeGreaterThan(0);
    expect(verdict(report.verdicts, 'tcp-kept', 'failover').ok).toBe(false);
  });

  it('changes the NAT mapping of remapped UDP flows, which the standby re-created as new', () => {
    const udp = phase(report.analysis, 'failover').kinds.find((k) => k.kind === 'udp');
    expect(udp?.remapped).toBeGreaterThanOrEqual(SUITE_SIZE.collidingUdp);
    expect(udp?.remappedKept).toBeLessThan(udp?.remapped ?? 0);
  });
});
