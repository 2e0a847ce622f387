// Applies failover plans: one plan at a time, in the order the events came, each action through
// the injected FailoverExecutor (the daemon's cache/sync/kernel layers, the nft guard). Timers
// come from the injected Clock (sync/clock.ts), so tests drive purges with a FakeClock. A failing action is
// recorded and counted and the plan goes on: the guard must come off even if the commit failed.
//
// The machine takes each event at once, so a plan may start after a newer event has already
// changed the role. Such a plan still runs, but the actions that would take the node into a role
// it no longer has are skipped (recorded as skipped): a takeover that a BACKUP overtook does not
// lift the guard or become the sender in between, and a stale purge runs only while the node is
// not MASTER, stopping between its steps once it is (a MASTER again would lose live entries). A
// STOP does not stop it: the machine counted it as run when it fell due (purgeDue), so a purge cut
// short there would be owed to no later standby role.
import type { FailoverAction, FailoverActionKind, NodeRole } from './failover-plan.js';
import type { FailoverMachine, Transition } from './failover-machine.js';
import type { NotifyEvent } from './notify-event.js';
import type { Clock, TimerHandle } from '../sync/clock.js';

/** The effects of the plan actions; implemented by the daemon's wiring. */
export interface FailoverExecutor {
  guardOn(): Promise<void>;
  guardOff(): Promise<void>;
  commitExternalCache(): Promise<void>;
  resyncOwnTable(): Promise<void>;
  becomeSender(): Promise<void>;
  stopSending(): Promise<void>;
  /**
   * Deletes stale kernel entries; `stillDue` turns false when the purge must stop (between its
   * steps). 'skipped' when nobody could have taken them over yet (no peer sends): it is tried
   * again a purge delay later.
   */
  purgeStale(stillDue: () => boolean): Promise<'skipped' | void>;
  requestResync(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ActionRecord {
  readonly kind: FailoverActionKind;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly error?: string;
  /** Not run: the node's role had changed since the plan was made (see above). */
  readonly skipped?: true;
}

const HISTORY_LIMIT = 100;

/** Actions that take the node into its plan's role: skipped once the node has left that role. */
const ENTERING: ReadonlySet<FailoverActionKind> = new Set(['commit-external-cache', 'guard-off', 'resync-own-table', 'become-sender']);

/** A purge that fell due goes on in any role but MASTER (see above). */
const purgeGoesOn = (role: NodeRole): boolean => role !== 'master';

export class FailoverDriver {
  readonly counters = { plans: 0, actions: 0, actionsFailed: 0, actionsSkipped: 0 };
  /** The latest action records, oldest first (bounded). */
  readonly history: ActionRecord[] = [];
  private tail: Promise<void> = Promise.resolve();
  private purgeTimer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly machine: FailoverMachine,
    private readonly executor: FailoverExecutor,
    private readonly clock: Clock,
  ) {}

  /** Feeds one event; its plan (if any) is queued behind earlier ones. */
  handle(event: NotifyEvent): Transition | undefined {
    const transition = this.machine.handle(event);
    if (transition !== undefined && transition.plan.length > 0) this.enqueue(transition.plan, transition.to);
    return transition;
  }

  /** Queues a plan of the daemon's own (start, stop) behind earlier ones; an empty plan does nothing. */
  run(plan: readonly FailoverAction[]): void {
    if (plan.length > 0) this.enqueue(plan);
  }

  /** Forgets a scheduled purge and schedules none after: the daemon stops (queued plans still run; see whenIdle). */
  close(): void {
    this.closed = true;
    this.cancelPurge();
  }

  /** Resolves once every queued plan has been applied. */
  whenIdle(): Promise<void> {
    return this.tail;
  }

  /** `role`: the role a transition's plan takes the node to (none for the daemon's own plans and purges). */
  private enqueue(plan: readonly FailoverAction[], role?: NodeRole): void {
    this.counters.plans++;
    this.tail = this.tail.then(() => this.apply(plan, role));
  }

  private async apply(plan: readonly FailoverAction[], role: NodeRole | undefined): Promise<void> {
    for (const action of plan) {
      const startedAt = this.clock.now();
      if (this.overtaken(action, role)) {
        this.counters.actionsSkipped++;
        this.record({ kind: action.kind, startedAt, endedAt: startedAt, skipped: true });
        continue;
      }
      let error: string | undefined;
      try {
        await this.perform(action);
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
        this.counters.actionsFailed++;
      }
      this.counters.actions++;
      this.record({ kind: action.kind, startedAt, endedAt: this.clock.now(), ...(error === undefined ? {} : { error }) });
    }
  }

  /** Whether a newer event took the node out of the role `action` serves. */
  private overtaken(action: FailoverAction, role: NodeRole | undefined): boolean {
    if (action.kind === 'purge-stale') return !purgeGoesOn(this.machine.role);
    return role !== undefined && ENTERING.has(action.kind) && this.machine.role !== role;
  }

  private record(entry: ActionRecord): void {
    this.history.push(entry);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
  }

  private perform(action: FailoverAction): Promise<void> {
    const run = this.executor;
    switch (action.kind) {
      case 'cancel-purge':
        this.cancelPurge();
        return Promise.resolve();
      case 'schedule-purge':
        this.cancelPurge();
        if (this.closed) return Promise.resolve();
        this.purgeTimer = this.clock.setTimeout(() => {
          this.purgeTimer = undefined;
          const due = this.machine.purgeDue(action.token);
          if (due.length > 0) this.enqueue(due);
        }, action.delayMs);
        return Promise.resolve();
      case 'guard-on':
        return run.guardOn();
      case 'guard-off':
        return run.guardOff();
      case 'commit-external-cache':
        return run.commitExternalCache();
      case 'resync-own-table':
        return run.resyncOwnTable();
      case 'become-sender':
        return run.becomeSender();
      case 'stop-sending':
        return run.stopSending();
      case 'purge-stale':
        return run.purgeStale(() => purgeGoesOn(this.machine.role)).then((outcome) => {
          if (outcome !== 'skipped' || this.closed) return;
          const again = this.machine.purgeSkipped();
          if (again.length > 0) this.enqueue(again);
        });
      case 'request-resync':
        return run.requestResync();
      case 'shutdown':
        this.cancelPurge();
        return run.shutdown();
    }
  }

  private cancelPurge(): void {
    if (this.purgeTimer !== undefined) this.clock.clearTimeout(this.purgeTimer);
    this.purgeTimer = undefined;
  }
}
