// Applies failover plans: one plan at a time, in the order the events came, each action through
// the injected FailoverExecutor (the daemon's cache/sync/kernel layers, the nft guard). Timers
// come from the injected Clock (sync/clock.ts), so tests drive purges with a FakeClock. A failing action is
// recorded and counted and the plan goes on: the guard must come off even if the commit failed.
import type { FailoverAction, FailoverActionKind } from './failover-plan.js';
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
  purgeStale(): Promise<void>;
  requestResync(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ActionRecord {
  readonly kind: FailoverActionKind;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly error?: string;
}

const HISTORY_LIMIT = 100;

export class FailoverDriver {
  readonly counters = { plans: 0, actions: 0, actionsFailed: 0 };
  /** The latest action records, oldest first (bounded). */
  readonly history: ActionRecord[] = [];
  private tail: Promise<void> = Promise.resolve();
  private purgeTimer: TimerHandle | undefined;

  constructor(
    private readonly machine: FailoverMachine,
    private readonly executor: FailoverExecutor,
    private readonly clock: Clock,
  ) {}

  /** Feeds one event; its plan (if any) is queued behind earlier ones. */
  handle(event: NotifyEvent): Transition | undefined {
    const transition = this.machine.handle(event);
    if (transition !== undefined && transition.plan.length > 0) this.enqueue(transition.plan);
    return transition;
  }

  /** Queues a plan of the daemon's own (start, stop) behind earlier ones; an empty plan does nothing. */
  run(plan: readonly FailoverAction[]): void {
    if (plan.length > 0) this.enqueue(plan);
  }

  /** Forgets a scheduled purge: the daemon stops (queued plans still run; see whenIdle). */
  close(): void {
    this.cancelPurge();
  }

  /** Resolves once every queued plan has been applied. */
  whenIdle(): Promise<void> {
    return this.tail;
  }

  private enqueue(plan: readonly FailoverAction[]): void {
    this.counters.plans++;
    this.tail = this.tail.then(() => this.apply(plan));
  }

  private async apply(plan: readonly FailoverAction[]): Promise<void> {
    for (const action of plan) {
      const startedAt = this.clock.now();
      let error: string | undefined;
      try {
        await this.perform(action);
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
        this.counters.actionsFailed++;
      }
      this.counters.actions++;
      this.history.push({ kind: action.kind, startedAt, endedAt: this.clock.now(), ...(error === undefined ? {} : { error }) });
      if (this.history.length > HISTORY_LIMIT) this.history.shift();
    }
  }

  private perform(action: FailoverAction): Promise<void> {
    const run = this.executor;
    switch (action.kind) {
      case 'cancel-purge':
        this.cancelPurge();
        return Promise.resolve();
      case 'schedule-purge':
        this.cancelPurge();
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
        return run.purgeStale();
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
