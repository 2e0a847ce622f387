// `half doctor`'s report: every check over the gathered facts, in a fixed order (configuration,
// daemon, its event reader and peers, kernel, firewall, keepalived, clock), and its text form:
// one line per check, `OK`/`WARN`/`FAIL`/`SKIP`, what was found, and the fix on an indented line
// below. Pure.
import type { CheckResult, CheckStatus } from './check-result.js';
import { clockCheck, configCheck, daemonCheck, eventReaderCheck, keepalivedCheck, peerChecks } from './cluster-checks.js';
import type { DoctorFacts } from './facts.js';
import { firewallChecks } from './firewall-checks.js';
import { kernelChecks } from './kernel-checks.js';

export interface DoctorReport {
  readonly checks: readonly CheckResult[];
  readonly counts: Readonly<Record<CheckStatus, number>>;
  /** True when any check failed: `half doctor` then exits non-zero. */
  readonly failed: boolean;
}

export function runChecks(facts: DoctorFacts): DoctorReport {
  const checks = [
    configCheck(facts),
    daemonCheck(facts),
    eventReaderCheck(facts),
    ...peerChecks(facts),
    ...kernelChecks(facts),
    ...firewallChecks(facts),
    keepalivedCheck(facts),
    clockCheck(facts),
  ];
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) counts[check.status]++;
  return { checks, counts, failed: counts.fail > 0 };
}

const LABEL: Readonly<Record<CheckStatus, string>> = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function renderDoctorText(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.id.length), 0);
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${LABEL[check.status]}  ${check.id.padEnd(width)}  ${check.summary}`);
    if (check.fix !== undefined) lines.push(`${' '.repeat(width + 8)}fix: ${check.fix}`);
  }
  const { ok, warn, fail, skip } = report.counts;
  lines.push('', `${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} skipped`);
  return lines.join('\n') + '\n';
}

export function renderDoctorJson(report: DoctorReport): string {
  return JSON.stringify({ schema: 1, failed: report.failed, counts: report.counts, checks: report.checks }, null, 2) + '\n';
}
