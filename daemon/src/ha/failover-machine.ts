// The node's failover state: keepalived notifications in, role transitions with their plans
// out. Pure and synchronous (no clock, no I/O): the driver owns timers and applies the plans.
//
// The node follows its notify source (config/keepalived-conf.ts notifySource): the sync group
// when there are several VRRP instances, so the node becomes MASTER exactly when the group does;
// the single instance otherwise. Other lines (member instances, informational states) are kept
// for `half status` but change nothing. A repeated state changes nothing either, so FIFO and
// notify-script delivery of the same event, or a re-sent state after a reload, are harmless.
import type { HalfMode } from '../config/half-conf.js';
import type { NotifySource } from '../config/keepalived-conf.js';
import { planStart, planTransition, type FailoverAction, type NodeRole } from './failover-plan.js';
import { isTransition, type NotifyEvent, type NotifyState } from './notify-event.js';

export interface FailoverMachineOptions {
  readonly source: NotifySource;
  readonly mode: HalfMode;
  readonly purgeDelayMs: number;
}

export interface Transition {
  readonly from: NodeRole;
  readonly to: NodeRole;
  readonly event: NotifyEvent;
  readonly plan: readonly FailoverAction[];
}

const ROLE_OF: Record<NotifyState, NodeRole> = {
  MASTER: 'master',
  BACKUP: 'backup',
  FAULT: 'fault',
  // An instance deleted by a keepalived reload no longer holds anything.
  DELETED: 'fault',
  STOP: 'stopped',
};

/** A skipped purge is tried again after the purge delay, and never sooner than this (purge-delay = 0). */
const PURGE_RETRY_MIN_MS = 5_000;

export class FailoverMachine {
  private currentRole: NodeRole = 'starting';
  private purgeToken = 0;
  private purgeArmed = false;
  /**
   * MASTER since the last purge ran (see PlanContext.owesPurge). A daemon that starts cannot know
   * whether the node served before it (restarted within the purge delay of a MASTER → BACKUP, whose
   * timer died with the old process): its kernel may still hold what it served, so in
   * external-cache mode the first standby role purges.
   */
  private owesPurge: boolean;
  readonly counters = { transitions: 0, ignored: 0 };

  constructor(private readonly options: FailoverMachineOptions) {
    this.owesPurge = options.mode === 'external-cache';
  }

  /**
   * The daemon's start on a node that holds no virtual address, before keepalived says anything
   * (it reports changes only): a standby's guard, and the purge owed from before the start.
   */
  startPlan(): FailoverAction[] {
    const plan = planStart({ mode: this.options.mode, purgeDelayMs: this.options.purgeDelayMs, purgeToken: this.purgeToken + 1, owesPurge: this.owesPurge && !this.purgeArmed });
    if (plan.some((a) => a.kind === 'schedule-purge')) {
      this.purgeToken++;
      this.purgeArmed = true;
    }
    return plan;
  }

  get role(): NodeRole {
    return this.currentRole;
  }

  /** Takes one event; returns the transition it causes, if any. */
  handle(event: NotifyEvent): Transition | undefined {
    const source = this.options.source;
    if (event.type !== source.type || event.name !== source.name || !isTransition(event)) {
      this.counters.ignored++;
      return undefined;
    }
    const to = ROLE_OF[event.state];
    const from = this.currentRole;
    if (to === from) return undefined;
    if (to === 'master' || to === 'stopped') this.purgeArmed = false;
    const plan = planTransition(from, to, {
      mode: this.options.mode,
      purgeDelayMs: this.options.purgeDelayMs,
      purgeToken: this.purgeToken + 1,
      owesPurge: this.owesPurge && !this.purgeArmed,
    });
    if (to === 'master') this.owesPurge = true;
    if (plan.some((a) => a.kind === 'schedule-purge')) {
      this.purgeToken++;
      this.purgeArmed = true;
    }
    this.currentRole = to;
    this.counters.transitions++;
    return { from, to, event, plan };
  }

  /**
   * The purge timer armed by `schedule-purge` with `token` fired: purge if that is still the
   * latest schedule and the node has not become MASTER (or stopped) since (a standby still
   * waiting for keepalived's first word counts as one).
   */
  /**
   * The purge found no peer sending (a new master still committing, a sync link down): nobody
   * took the entries over yet. Still a standby, it owes the purge and arms it again, so that
   * they do not stay until their timeouts (an established TCP entry: days) and come back as this
   * node's table at its next takeover.
   */
  purgeSkipped(): FailoverAction[] {
    if (this.currentRole !== 'backup' && this.currentRole !== 'fault' && this.currentRole !== 'starting') return [];
    this.owesPurge = true;
    this.purgeToken++;
    this.purgeArmed = true;
    return [{ kind: 'schedule-purge', delayMs: Math.max(this.options.purgeDelayMs, PURGE_RETRY_MIN_MS), token: this.purgeToken }];
  }

  purgeDue(token: number): FailoverAction[] {
    if (!this.purgeArmed || token !== this.purgeToken) return [];
    if (this.currentRole !== 'backup' && this.currentRole !== 'fault' && this.currentRole !== 'starting') return [];
    this.purgeArmed = false;
    this.owesPurge = false;
    return [{ kind: 'purge-stale' }];
  }
}
