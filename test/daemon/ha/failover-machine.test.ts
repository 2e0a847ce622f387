// FailoverMachine: follows its notify source only, ignores repeats, and guards purges.
import { describe, expect, it } from 'vitest';
import { FailoverMachine } from '../../../daemon/src/ha/failover-machine.js';
import type { NotifyEvent } from '../../../daemon/src/ha/notify-event.js';

const group = (state: NotifyEvent['state']): NotifyEvent => ({ type: 'GROUP', name: 'HALF', state, priority: 0 });
const machine = (): FailoverMachine => new FailoverMachine({ source: { type: 'GROUP', name: 'HALF' }, mode: 'external-cache', purgeDelayMs: 60_000 });

describe('FailoverMachine', () => {
  it('becomes MASTER when the group does, not when a member instance does', () => {
    const m = machine();
    expect(m.handle({ type: 'INSTANCE', name: 'half_lan0', state: 'MASTER', priority: 150 })).toBeUndefined();
    expect(m.role).toBe('starting');
    expect(m.handle(group('MASTER'))).toMatchObject({ from: 'starting', to: 'master' });
    expect(m.role).toBe('master');
    expect(m.counters).toEqual({ transitions: 1, ignored: 1 });
  });

  it('ignores other groups, informational states and repeats', () => {
    const m = machine();
    m.handle(group('BACKUP'));
    expect(m.handle({ type: 'GROUP', name: 'OTHER', state: 'MASTER', priority: 0 })).toBeUndefined();
    expect(m.handle({ type: 'GROUP', name: 'HALF', state: 'MASTER_RX_LOWER_PRI', priority: 0 })).toBeUndefined();
    expect(m.handle(group('BACKUP'))).toBeUndefined();
    expect(m.role).toBe('backup');
  });

  it('follows a single instance when that is the source, DELETED counting as FAULT', () => {
    const m = new FailoverMachine({ source: { type: 'INSTANCE', name: 'half' }, mode: 'direct', purgeDelayMs: 0 });
    expect(m.handle({ type: 'INSTANCE', name: 'half', state: 'MASTER', priority: 100 })?.to).toBe('master');
    expect(m.handle({ type: 'INSTANCE', name: 'half', state: 'DELETED', priority: 100 })?.plan).toEqual([{ kind: 'stop-sending' }]);
    expect(m.role).toBe('fault');
  });

  it('purges only for the latest schedule, and never once MASTER again', () => {
    const m = machine();
    m.handle(group('MASTER'));
    const first = m.handle(group('BACKUP'))?.plan.find((a) => a.kind === 'schedule-purge');
    expect(first).toEqual({ kind: 'schedule-purge', delayMs: 60_000, token: 1 });
    m.handle(group('MASTER'));
    expect(m.purgeDue(1)).toEqual([]);
    const second = m.handle(group('FAULT'))?.plan.find((a) => a.kind === 'schedule-purge');
    expect(second).toMatchObject({ token: 2 });
    expect(m.purgeDue(1)).toEqual([]);
    expect(m.purgeDue(2)).toEqual([{ kind: 'purge-stale' }]);
    expect(m.purgeDue(2)).toEqual([]); // once
  });

  it('does not purge after keepalived stopped', () => {
    const m = machine();
    m.handle(group('MASTER'));
    m.handle(group('BACKUP'));
    m.handle(group('STOP'));
    expect(m.purgeDue(1)).toEqual([]);
  });

  it('still purges what it served as MASTER when keepalived stopped in between', () => {
    const m = machine();
    m.handle(group('MASTER'));
    expect(m.handle(group('STOP'))?.plan.map((a) => a.kind)).toEqual(['guard-off', 'shutdown']);
    const owed = m.handle(group('BACKUP'))?.plan;
    expect(owed?.map((a) => a.kind)).toEqual(['guard-on', 'schedule-purge', 'request-resync']);
    expect(m.purgeDue(1)).toEqual([{ kind: 'purge-stale' }]);
    // owed once: a standby that never served again schedules no other
    m.handle(group('STOP'));
    expect(m.handle(group('FAULT'))?.plan.map((a) => a.kind)).toEqual(['guard-on']);
  });

  it('owes a purge from its start (the old process may have died with one scheduled), once, on a standby', () => {
    // keepalived said nothing: the daemon's own start plan schedules it, and it runs while keepalived stays silent
    const silent = machine();
    expect(silent.startPlan()).toEqual([{ kind: 'guard-on' }, { kind: 'schedule-purge', delayMs: 60_000, token: 1 }]);
    expect(silent.purgeDue(1)).toEqual([{ kind: 'purge-stale' }]);
    expect(silent.handle(group('BACKUP'))?.plan.map((a) => a.kind)).toEqual(['guard-on', 'request-resync']); // paid
    // keepalived's first word is BACKUP: that transition schedules it
    const told = machine();
    expect(told.handle(group('BACKUP'))?.plan.map((a) => a.kind)).toEqual(['guard-on', 'schedule-purge', 'request-resync']);
    // MASTER before it falls due: no purge
    const promoted = machine();
    promoted.startPlan();
    promoted.handle(group('MASTER'));
    expect(promoted.purgeDue(1)).toEqual([]);
    // direct mode never purges
    expect(new FailoverMachine({ source: { type: 'GROUP', name: 'HALF' }, mode: 'direct', purgeDelayMs: 0 }).startPlan()).toEqual([]);
  });

  it('keeps an owed purge scheduled once, and owes it again when a STOP cancelled it', () => {
    const m = machine();
    m.handle(group('MASTER'));
    m.handle(group('BACKUP')); // schedules token 1
    expect(m.handle(group('FAULT'))?.plan.map((a) => a.kind)).toEqual([]); // not rescheduled
    m.handle(group('STOP')); // cancels it
    expect(m.purgeDue(1)).toEqual([]);
    expect(m.handle(group('BACKUP'))?.plan.find((a) => a.kind === 'schedule-purge')).toMatchObject({ token: 2 });
    expect(m.purgeDue(2)).toEqual([{ kind: 'purge-stale' }]);
  });
});
