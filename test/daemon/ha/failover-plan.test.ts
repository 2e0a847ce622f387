// The plan for every role change, in both modes.
import { describe, expect, it } from 'vitest';
import { planStart, planStop, planTransition, type NodeRole } from '../../../daemon/src/ha/failover-plan.js';

const kinds = (from: NodeRole, to: NodeRole, mode: 'external-cache' | 'direct' = 'external-cache'): string[] =>
  planTransition(from, to, { mode, purgeDelayMs: 5000, purgeToken: 7 }).map((a) => a.kind);

describe('planTransition (external cache)', () => {
  it('takes over: guard on, commit, guard off, resync own table, send', () => {
    for (const from of ['starting', 'backup', 'fault', 'stopped'] as const) {
      expect(kinds(from, 'master')).toEqual(['cancel-purge', 'guard-on', 'commit-external-cache', 'guard-off', 'resync-own-table', 'become-sender']);
    }
  });

  it('steps down: stop sending, arm the guard, purge later, ask the new master for a resync', () => {
    expect(kinds('master', 'backup')).toEqual(['stop-sending', 'guard-on', 'schedule-purge', 'request-resync']);
    expect(planTransition('master', 'backup', { mode: 'external-cache', purgeDelayMs: 5000, purgeToken: 7 })[2]).toEqual({ kind: 'schedule-purge', delayMs: 5000, token: 7 });
    expect(kinds('master', 'fault')).toEqual(['stop-sending', 'guard-on', 'schedule-purge']);
  });

  it('arms the guard and resyncs when it joins as a standby', () => {
    expect(kinds('starting', 'backup')).toEqual(['guard-on', 'request-resync']);
    expect(kinds('stopped', 'backup')).toEqual(['guard-on', 'request-resync']);
    expect(kinds('starting', 'fault')).toEqual(['guard-on']);
    expect(kinds('fault', 'backup')).toEqual(['request-resync']);
  });

  it('does nothing for repeats or moves between standby states', () => {
    expect(kinds('backup', 'backup')).toEqual([]);
    expect(kinds('master', 'master')).toEqual([]);
    expect(kinds('backup', 'fault')).toEqual([]);
  });

  it('shuts down on STOP with the guard off', () => {
    expect(kinds('master', 'stopped')).toEqual(['guard-off', 'shutdown']);
    expect(kinds('backup', 'stopped')).toEqual(['guard-off', 'shutdown']);
    expect(kinds('stopped', 'stopped')).toEqual([]);
  });
});

describe('planTransition (direct)', () => {
  it('has nothing to commit or purge: the kernel already holds the peer state', () => {
    expect(kinds('backup', 'master', 'direct')).toEqual(['resync-own-table', 'become-sender']);
    expect(kinds('master', 'backup', 'direct')).toEqual(['stop-sending', 'request-resync']);
    expect(kinds('master', 'fault', 'direct')).toEqual(['stop-sending']);
  });
});

describe('planStart and planStop', () => {
  it('arm the guard at a standby\'s start and lift it at any stop, in external-cache mode only', () => {
    const start = (mode: 'external-cache' | 'direct', owesPurge: boolean) => planStart({ mode, purgeDelayMs: 5000, purgeToken: 2, owesPurge });
    expect(start('external-cache', false)).toEqual([{ kind: 'guard-on' }]);
    expect(start('external-cache', true)).toEqual([{ kind: 'guard-on' }, { kind: 'schedule-purge', delayMs: 5000, token: 2 }]);
    expect(planStop('external-cache')).toEqual([{ kind: 'guard-off' }]);
    expect(start('direct', true)).toEqual([]);
    expect(planStop('direct')).toEqual([]);
  });

  it('schedule an owed purge on the next standby role', () => {
    const owed = (from: NodeRole, to: NodeRole): string[] =>
      planTransition(from, to, { mode: 'external-cache', purgeDelayMs: 5000, purgeToken: 3, owesPurge: true }).map((a) => a.kind);
    expect(owed('stopped', 'backup')).toEqual(['guard-on', 'schedule-purge', 'request-resync']);
    expect(owed('stopped', 'fault')).toEqual(['guard-on', 'schedule-purge']);
    expect(owed('stopped', 'master')).not.toContain('schedule-purge');
  });
});
