// What a node does when its VRRP role changes, as data: an ordered list of actions computed
// from (previous role, new role, mode), applied by failover-driver.ts through an injected
// executor. Model: changesets' assemble-release-plan / apply-release-plan; conntrackd's
// primary-backup.sh (commit, flush, resync, bulk send) for the steps.
import type { HalfMode } from '../config/half-conf.js';

export type NodeRole = 'starting' | 'master' | 'backup' | 'fault' | 'stopped';

export type FailoverAction =
  /** Forget a purge scheduled when this node last lost MASTER: those entries are live again. */
  | { readonly kind: 'cancel-purge' }
  /** Drop stateless TCP (nft set element) so the local stack sends no RST before the commit ends. */
  | { readonly kind: 'guard-on' }
  /** Write the peers' connections (external cache) into the kernel, batched. */
  | { readonly kind: 'commit-external-cache' }
  /** Dump the kernel table into the internal cache: it now is the state this node serves. */
  | { readonly kind: 'resync-own-table' }
  /** Start replicating this node's connections to the peers. */
  | { readonly kind: 'become-sender' }
  | { readonly kind: 'guard-off' }
  | { readonly kind: 'stop-sending' }
  /** After `delayMs`, delete kernel entries this node no longer serves (unless MASTER again). */
  | { readonly kind: 'schedule-purge'; readonly delayMs: number; readonly token: number }
  | { readonly kind: 'purge-stale' }
  /** Ask the (new) master for a full resync into the external cache. */
  | { readonly kind: 'request-resync' }
  /** keepalived stopped: leave the cluster role. */
  | { readonly kind: 'shutdown' };

export type FailoverActionKind = FailoverAction['kind'];

export interface PlanContext {
  readonly mode: HalfMode;
  readonly purgeDelayMs: number;
  /** Identifies the purge a schedule-purge action arms (see FailoverMachine). */
  readonly purgeToken: number;
  /**
   * This node served as MASTER, no purge has run since and none is scheduled (it went from MASTER
   * to STOP, keepalived being stopped or restarted, or a STOP cancelled the purge): its next
   * standby role schedules one.
   */
  readonly owesPurge?: boolean;
}

/**
 * The actions for a role change `from` → `to` (no actions when nothing needs doing).
 *
 * In external-cache mode the guard is also armed whenever the node becomes a standby (BACKUP or
 * FAULT, including at start): keepalived adds the VIPs before it writes MASTER to the FIFO, and
 * a guard switched on only then would leave that gap open to RSTs. The takeover still begins
 * with guard-on (a no-op when armed), and guard-off follows the commit at once.
 */
export function planTransition(from: NodeRole, to: NodeRole, context: PlanContext): FailoverAction[] {
  const external = context.mode === 'external-cache';
  const wasMaster = from === 'master';
  const wasStandby = from === 'backup' || from === 'fault';
  const armGuard: FailoverAction[] = external && !wasStandby ? [{ kind: 'guard-on' }] : [];
  const schedulePurge: FailoverAction[] = external
    ? [{ kind: 'schedule-purge', delayMs: context.purgeDelayMs, token: context.purgeToken }]
    : [];
  const owedPurge = context.owesPurge === true ? schedulePurge : [];
  switch (to) {
    case 'master':
      if (wasMaster) return [];
      if (!external) return [{ kind: 'resync-own-table' }, { kind: 'become-sender' }];
      // The guard comes off as soon as the commit has ended: from then on a packet without state
      // is a genuinely new (or foreign) one, and the guard also holds new forwarded connections,
      // so it must not stay on while the table is re-read (a dump of the whole table).
      return [
        { kind: 'cancel-purge' },
        { kind: 'guard-on' },
        { kind: 'commit-external-cache' },
        { kind: 'guard-off' },
        { kind: 'resync-own-table' },
        { kind: 'become-sender' },
      ];
    case 'backup':
      if (wasMaster) return [{ kind: 'stop-sending' }, ...armGuard, ...schedulePurge, { kind: 'request-resync' }];
      return from === 'backup' ? [] : [...armGuard, ...owedPurge, { kind: 'request-resync' }];
    case 'fault':
      if (wasMaster) return [{ kind: 'stop-sending' }, ...armGuard, ...schedulePurge];
      return [...armGuard, ...owedPurge];
    case 'stopped':
      return from === 'stopped' ? [] : [{ kind: 'guard-off' }, { kind: 'shutdown' }];
    case 'starting':
      return [];
  }
}

/**
 * At start, when the node holds no virtual address (one that does is taken for MASTER, see
 * initial-state.ts): keepalived writes to the FIFO only on a change, so a daemon restarted on a
 * standby hears nothing, and the unit's ExecStartPre reloaded the table with the guard off. The
 * node is a standby until told otherwise: in external-cache mode the guard goes on, and the purge
 * owed from before the start (FailoverMachine.startPlan) is scheduled.
 */
export function planStart(context: PlanContext): FailoverAction[] {
  if (context.mode !== 'external-cache') return [];
  return [{ kind: 'guard-on' }, ...(context.owesPurge === true ? [{ kind: 'schedule-purge' as const, delayMs: context.purgeDelayMs, token: context.purgeToken }] : [])];
}

/**
 * At stop: the guard comes off. With no daemon left to commit and lift it, a guard left on would
 * hold every new forwarded connection of a node keepalived then promotes. (A crash is covered by
 * the unit's ExecStopPost, which reloads the table with the guard off.)
 */
export function planStop(mode: HalfMode): FailoverAction[] {
  return mode === 'external-cache' ? [{ kind: 'guard-off' }] : [];
}
