// half-syncd's log read back: lines written by the daemon's own formatter (metrics/logger.ts),
// quoted values included, other programs' lines ignored; a takeover assembled from its
// transition, commit and guard lines, with the commit's start derived from its duration; the
// moment the failback gate opened after a resync.
import { describe, expect, it } from 'vitest';
import { formatLogLine, type LogFields } from '../../../daemon/src/metrics/logger.js';
import { parseLog, parseLogLine, resyncDoneAt, takeoversFromLog } from './half-syncd-log.js';

const T0 = Date.parse('2026-11-26T07:00:00.000Z');
const line = (atMs: number, message: string, fields?: LogFields): string => formatLogLine({ level: 'info', message, ...(fields === undefined ? {} : { fields }) }, { journal: false, timeMs: T0 + atMs });

describe('parseLogLine', () => {
  it('reads what the daemon writes: time, level, message, fields, quoted ones unescaped', () => {
    const text = line(5, 'failover transition', { via: 'notify FIFO', from: 'backup', to: 'master', note: 'a "b"\nc' });
    expect(parseLogLine(text.trimEnd())).toEqual({ at: T0 + 5, level: 'info', message: 'failover transition', fields: { via: 'notify FIFO', from: 'backup', to: 'master', note: 'a "b"\nc' } });
    expect(parseLogLine(line(0, 'takeover guard off').trimEnd())).toEqual({ at: T0, level: 'info', message: 'takeover guard off', fields: {} });
  });

  it('ignores lines that are not the daemon\'s (stack traces, journald form)', () => {
    expect(parseLogLine('    at Object.<anonymous> (/usr/lib/half/half-syncd.js:1:2)')).toBeUndefined();
    expect(parseLogLine('<6>info half-syncd starting')).toBeUndefined();
  });
});

describe('takeoversFromLog', () => {
  it('assembles each MASTER transition with the commit and the guard release that followed it', () => {
    const text = [
      line(0, 'half-syncd starting', { node: 2 }),
      line(100, 'failover transition', { via: 'notify FIFO', from: 'starting', to: 'backup' }),
      line(110, 'takeover guard on'),
      line(5000, 'failover transition', { via: 'notify FIFO', from: 'backup', to: 'master' }),
      line(5020, 'takeover guard on'),
      line(5130, 'external cache committed to the kernel', { reason: 'failover', entries: 602, created: 602, updated: 0, failed: 0, ms: 107.5 }),
      line(5140, 'takeover guard off'),
      line(9000, 'external cache committed to the kernel', { reason: 'half commit', entries: 3, ms: 1 }),
      line(12_000, 'failover transition', { via: 'notify FIFO', from: 'master', to: 'backup' }),
      'garbage\n',
      line(20_000, 'failover transition', { via: 'notify FIFO', from: 'backup', to: 'master' }),
      line(20_100, 'external cache committed to the kernel with failures', { reason: 'failover', entries: 10, failed: 2, ms: 50 }),
    ].join('');
    expect(takeoversFromLog('halftwo', parseLog(text))).toEqual([
      { node: 'halftwo', notifiedAt: T0 + 5000, commitStartedAt: T0 + 5130 - 107.5, commitEndedAt: T0 + 5130, committedEntries: 602, commitFailed: 0, guardOffAt: T0 + 5140 },
      { node: 'halftwo', notifiedAt: T0 + 20_000, commitStartedAt: T0 + 20_050, commitEndedAt: T0 + 20_100, committedEntries: 10, commitFailed: 2 },
    ]);
  });

  it('records a takeover without a commit when the daemon stopped before committing', () => {
    const text = line(0, 'failover transition', { from: 'backup', to: 'master' }) + line(10, 'half-syncd starting') + line(20, 'external cache committed to the kernel', { reason: 'failover', entries: 1, ms: 1 });
    expect(takeoversFromLog('halfone', parseLog(text))).toEqual([{ node: 'halfone', notifiedAt: T0 }]);
  });
});

describe('resyncDoneAt', () => {
  it('finds when the failback gate opened after a resync from the sender, not for other reasons or earlier runs', () => {
    const gate = 'resync done: keepalived may give this node its virtual addresses';
    const text = [
      line(0, gate, { file: '/var/lib/half/resync-pending', reason: 'resynced from node 2' }),
      line(1000, 'half-syncd starting', { node: 1 }),
      line(1200, gate, { file: '/var/lib/half/resync-pending', reason: 'no peer is sender: nothing to resync' }),
      line(3000, 'resync pending: keepalived keeps this node\'s priority at 1 until it holds the active node\'s connections', { reason: 'waiting for a full resync from node 2' }),
      line(4500, gate, { file: '/var/lib/half/resync-pending', reason: 'resynced from node 2' }),
    ].join('');
    expect(resyncDoneAt(parseLog(text), T0 + 1000)).toBe(T0 + 4500);
    expect(resyncDoneAt(parseLog(text), T0)).toBe(T0);
    expect(resyncDoneAt(parseLog(text), T0 + 5000)).toBeUndefined();
  });
});
