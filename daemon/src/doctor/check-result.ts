// One verdict of `half doctor`: a check id, OK/WARN/FAIL (or SKIP, with the reason it could not
// be decided), what was found, and what to do about it.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `module.nf_conntrack_netlink`, `firewall.vrrp`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found, one line. */
  readonly summary: string;
  /** What to do (absent when nothing needs doing). */
  readonly fix?: string;
}

export const ok = (id: string, summary: string): CheckResult => ({ id, status: 'ok', summary });
export const skip = (id: string, summary: string): CheckResult => ({ id, status: 'skip', summary });
export const warn = (id: string, summary: string, fix: string): CheckResult => ({ id, status: 'warn', summary, fix });
export const fail = (id: string, summary: string, fix: string): CheckResult => ({ id, status: 'fail', summary, fix });
