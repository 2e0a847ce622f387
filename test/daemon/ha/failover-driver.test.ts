// FailoverDriver with a FakeClock and a recording executor: plans run in event order, one at a
// time; a failing action does not stop the plan; purges fire after the delay unless cancelled.
import { describe, expect, it } from 'vitest';
import { FailoverDriver, type FailoverExecutor } from '../../../daemon/src/ha/failover-driver.js';
import { FailoverMachine } from '../../../daemon/src/ha/failover-machine.js';
import type { NotifyEvent } from '../../../daemon/src/ha/notify-event.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';

const group = (state: NotifyEvent['state']): NotifyEvent => ({ type: 'GROUP', name: 'HALF', state, priority: 0 });

class RecordingExecutor implements FailoverExecutor {
  readonly calls: string[] = [];
  failing = new Set<string>();
  /** Resolves a slow commit when the test says so. */
  releaseCommit: (() => void) | undefined;
  slowCommit = false;

  private call(name: string): Promise<void> {
    this.calls.push(name);
    if (this.failing.has(name)) return Promise.reject(new Error(`${name} failed`));
    return Promise.resolve();
  }
  guardOn = () => this.call('guardOn');
  guardOff = () => this.call('guardOff');
  commitExternalCache = () => {
    if (!this.slowCommit) return this.call('commitExternalCache');
    this.calls.push('commitExternalCache');
    return new Promise<void>((resolve) => (this.releaseCommit = resolve));
  };
  resyncOwnTable = () => this.call('resyncOwnTable');
  becomeSender = () => this.call('becomeSender');
  stopSending = () => this.call('stopSending');
  purgeStale = () => this.call('purgeStale');
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
    expect(driver.counters).toEqual({ plans: 1, actions: 6, actionsFailed: 0 });
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

  it('queues a later event behind a running plan', async () => {
    const { executor, driver } = setup();
    executor.slowCommit = true;
    driver.handle(group('MASTER'));
    driver.handle(group('BACKUP'));
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.calls).toEqual(['guardOn', 'commitExternalCache']);
    executor.releaseCommit?.();
    await driver.whenIdle();
    expect(executor.calls).toEqual(['guardOn', 'commitExternalCache', 'guardOff', 'resyncOwnTable', 'becomeSender', 'stopSending', 'guardOn', 'requestResync']);
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

  it('shuts down on STOP and drops a pending purge', async () => {
    const { clock, executor, driver } = setup();
    driver.handle(group('MASTER'));
    driver.handle(group('FAULT'));
    driver.handle(group('STOP'));
    await driver.whenIdle();
    expect(executor.calls.slice(-4)).toEqual(['stopSending', 'guardOn', 'guardOff', 'shutdown']);
    expect(clock.pendingTimers).toBe(0);
  });
});
