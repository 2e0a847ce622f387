// FailoverDriver with a FakeClock and a recording executor: plans run in event order, one at a
// time; a failing action does not stop the plan; purges fire after the delay unless cancelled;
// a plan a newer event overtook does not take the node into the role it left, and a purge runs
// and goes on only while the node is not MASTER (a STOP does not cut it short: it would be owed to
// no later standby role).
import { describe, expect, it } from 'vitest';
import { FailoverDriver, type FailoverExecutor } from '../../../daemon/src/ha/failover-driver.js';
import { FailoverMachine } from '../../../daemon/src/ha/failover-machine.js';
import type { NotifyEvent } from '../../../daemon/src/ha/notify-event.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';

const group = (state: NotifyEvent['state']): NotifyEvent => ({ type: 'GROUP', name: 'HALF', state, priority: 0 });

class RecordingExecutor implements FailoverExecutor {
  readonly calls: string[] = [];
  failing = new Set<string>();
  /** Actions that wait for `release(name)` before they resolve. */
  readonly slow = new Set<string>();
  private readonly waiting = new Map<string, () => void>();
  /** The purge's `stillDue`, as the driver passed it. */
  stillDue: (() => boolean) | undefined;

  release(name: string): void {
    this.waiting.get(name)?.();
    this.waiting.delete(name);
  }

  private call(name: string): Promise<void> {
    this.calls.push(name);
    if (this.failing.has(name)) return Promise.reject(new Error(`${name} failed`));
    if (this.slow.has(name)) return new Promise<void>((resolve) => this.waiting.set(name, resolve));
    return Promise.resolve();
  }
  guardOn = () => this.call('guardOn');
  guardOff = () => this.call('guardOff');
  commitExternalCache = () => this.call('commitExternalCache');
  resyncOwnTable = () => this.call('resyncOwnTable');
  becomeSender = () => this.call('becomeSender');
  stopSending = () => this.call('stopSending');
  /** What purgeStale answers: undefined (purged), or 'skipped' (no peer sends). */
  purgeOutcome: 'skipped' | undefined;
  purgeStale = (stillDue: () => boolean) => {
    this.stillDue = stillDue;
    return this.call('purgeStale').then(() => this.purgeOutcome);
  };
  requestResync = () => this.call('requestResync');
  shutdown = () => this.call('shutdown');
}

function setup(): { clock: FakeClock; executor: RecordingExecutor; driver: FailoverDriver } {
  const clock = new FakeClock();
  const executor = new RecordingExecutor();
  const machine = new FailoverMachine({ source: { type: 'GROUP', name: 'HALF' }, mode: 'external-cache', purgeDelayMs: 30_000 });
  return { clock, executor, driver: new FailoverDriver(machine, executor, clock) };
}

describe('FailoverDriver', () => {
  it('runs the takeover in order and records each action', async () => {
    const { executor, driver } = setup();
    driver.handle(group('MASTER'));
    await driver.whenIdle();
    expect(executor.calls).toEqual(['guardOn', 'commitExternalCache', 'guardOff', 'resyncOwnTable', 'becomeSender']);
    expect(driver.history.map((r) => r.kind)).toEqual(['cancel-purge', 'guard-on', 'commit-external-cache', 'guard-off', 'resync-own-table', 'become-sender']);
    expect(driver.counters).toEqual({ plans: 1, actions: 6, actionsFailed: 0, actionsSkipped: 0 });
  });

  it('keeps going after a failed commit, so the guard comes off', async () => {
    const { executor, driver } = setup();
    executor.failing.add('commitExternalCache');
    driver.handle(group('MASTER'));
    await driver.whenIdle();
    expect(executor.calls).toEqual(['guardOn', 'commitExternalCache', 'guardOff', 'resyncOwnTable', 'becomeSender']);
    expect(driver.history.find((r) => r.kind === 'commit-external-cache')?.error).toBe('commitExternalCache failed');
    expect(driver.counters.actionsFailed).toBe(1);
  });

  it('queues a later event behind a running plan, and does not finish a takeover it overtook', async () => {
    const { executor, driver } = setup();
    executor.slow.add('commitExternalCache');
    driver.handle(group('MASTER'));
    await new Promise((resolve) => setImmediate(resolve));
    driver.handle(group('BACKUP'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.calls).toEqual(['guardOn', 'commitExternalCache']);
    executor.release('commitExternalCache');
    await driver.whenIdle();
    // no guard lifted on a standby, no table read or sender role in between
    expect(executor.calls).toEqual(['guardOn', 'commitExternalCache', 'stopSending', 'guardOn', 'requestResync']);
    expect(driver.history.filter((r) => r.skipped).map((r) => r.kind)).toEqual(['guard-off', 'resync-own-table', 'become-sender']);
    expect(driver.counters.actionsSkipped).toBe(3);
  });

  it('does not commit for a takeover a BACKUP overtook before it began', async () => {
    const { executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    await driver.whenIdle();
    expect(executor.calls).toEqual(['guardOn', 'stopSending', 'guardOn', 'requestResync']);
  });

  it('finishes an overtaken plan when the node is back in its role by then', async () => {
    const { executor, driver } = setup();
    executor.slow.add('commitExternalCache');
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    driver.handle(group('MASTER'));
    await new Promise((resolve) => setImmediate(resolve));
    executor.release('commitExternalCache');
    await new Promise((resolve) => setImmediate(resolve));
    executor.slow.clear();
    executor.release('commitExternalCache');
    await driver.whenIdle();
    expect(executor.calls).toEqual([
      'guardOn', 'commitExternalCache', 'guardOff', 'resyncOwnTable', 'becomeSender',
      'stopSending', 'guardOn', 'requestResync',
      'guardOn', 'commitExternalCache', 'guardOff', 'resyncOwnTable', 'becomeSender',
    ]);
    expect(driver.counters.actionsSkipped).toBe(0);
  });

  it('purges stale entries after the purge delay', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    await driver.whenIdle();
    clock.advance(29_999);
    await driver.whenIdle();
    expect(executor.calls).not.toContain('purgeStale');
    clock.advance(1);
    await driver.whenIdle();
    expect(executor.calls.at(-1)).toBe('purgeStale');
    expect(clock.pendingTimers).toBe(0);
  });

  it('tries a skipped purge again a purge delay later, while the node is a standby', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    executor.purgeOutcome = 'skipped'; // the new master still commits: nobody sends yet
    await driver.whenIdle();
    clock.advance(30_000);
    await driver.whenIdle();
    expect(executor.calls.filter((c) => c === 'purgeStale')).toHaveLength(1);
    await driver.whenIdle();
    expect(clock.pendingTimers, 'armed again').toBe(1);
    executor.purgeOutcome = undefined;
    clock.advance(30_000);
    await driver.whenIdle();
    expect(executor.calls.filter((c) => c === 'purgeStale')).toHaveLength(2);
    expect(clock.pendingTimers, 'purged: no more').toBe(0);
    // skipped again after a MASTER would be armed again too; MASTER cancels it
    executor.purgeOutcome = 'skipped';
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    await driver.whenIdle();
    clock.advance(30_000);
    await driver.whenIdle();
    await driver.whenIdle();
    driver.handle(group('MASTER'));
    await driver.whenIdle();
    expect(clock.pendingTimers).toBe(0);
  });

  it('tries a skipped purge again no sooner than 5 s, even with purge-delay = 0 (no spin)', async () => {
    const clock = new FakeClock();
    const executor = new RecordingExecutor();
    const machine = new FailoverMachine({ source: { type: 'GROUP', name: 'HALF' }, mode: 'external-cache', purgeDelayMs: 0 });
    const driver = new FailoverDriver(machine, executor, clock);
    executor.purgeOutcome = 'skipped';
    driver.handle(group('MASTER'));
    driver.handle(group('FAULT'));
    await driver.whenIdle();
    clock.advance(0);
    await driver.whenIdle();
    await driver.whenIdle();
    expect(executor.calls.filter((c) => c === 'purgeStale')).toHaveLength(1);
    clock.advance(4_999);
    await driver.whenIdle();
    expect(executor.calls.filter((c) => c === 'purgeStale')).toHaveLength(1);
    clock.advance(1);
    await driver.whenIdle();
    expect(executor.calls.filter((c) => c === 'purgeStale')).toHaveLength(2);
    driver.close();
  });

  it('cancels the purge when the node becomes MASTER again before it is due', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    await driver.whenIdle();
    clock.advance(10_000);
    driver.handle(group('MASTER'));
    await driver.whenIdle();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(60_000);
    await driver.whenIdle();
    expect(executor.calls).not.toContain('purgeStale');
  });

  it('stops a running purge once the node is MASTER again, then takes over', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    await driver.whenIdle();
    executor.slow.add('purgeStale');
    clock.advance(30_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.calls.at(-1)).toBe('purgeStale');
    expect(executor.stillDue?.()).toBe(true);
    driver.handle(group('FAULT'));
    expect(executor.stillDue?.(), 'a standby still').toBe(true);
    driver.handle(group('STOP'));
    expect(executor.stillDue?.(), 'keepalived stopped: the purge goes on').toBe(true);
    driver.handle(group('BACKUP'));
    driver.handle(group('MASTER'));
    expect(executor.stillDue?.()).toBe(false);
    executor.release('purgeStale');
    await driver.whenIdle();
    expect(executor.calls.slice(-5)).toEqual(['guardOn', 'commitExternalCache', 'guardOff', 'resyncOwnTable', 'becomeSender']);
  });

  it('skips a purge that fell due behind a plan once the node is MASTER again', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    executor.slow.add('requestResync');
    driver.handle(group('BACKUP'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.calls.at(-1)).toBe('requestResync');
    clock.advance(30_000); // the purge falls due (queued behind the BACKUP plan, still running)
    driver.handle(group('MASTER'));
    executor.release('requestResync');
    await driver.whenIdle();
    expect(executor.calls).not.toContain('purgeStale');
    expect(driver.history.find((r) => r.kind === 'purge-stale')).toMatchObject({ skipped: true });
    expect(executor.calls.slice(-5)).toEqual(['guardOn', 'commitExternalCache', 'guardOff', 'resyncOwnTable', 'becomeSender']);
  });

  it('shuts down on STOP and drops a pending purge', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('FAULT'));
    driver.handle(group('STOP'));
    await driver.whenIdle();
    expect(executor.calls.slice(-4)).toEqual(['stopSending', 'guardOn', 'guardOff', 'shutdown']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('schedules no purge once closed, from plans still queued', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    driver.close();
    await driver.whenIdle();
    expect(executor.calls).toContain('stopSending');
    expect(clock.pendingTimers).toBe(0);
  });
});
