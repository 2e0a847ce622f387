// The failover executor's takeover guard: nft is tried again before a failure counts, since a
// guard left on (or off) stays so until the next transition. A takeover's read of our own table
// that fails is read again until it succeeds: the node is the sender from then on.
import { describe, expect, it } from 'vitest';
import type { TakeoverGuard } from '../../../daemon/src/ha/nft-guard.js';
import type { Logger } from '../../../daemon/src/metrics/logger.js';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { FlowRecord, IndexedRecords } from '../../../daemon/src/model/record.js';
import { DaemonFailoverExecutor, GUARD_ATTEMPTS, type FailoverExecutorDeps } from '../../../daemon/src/runtime/failover-executor.js';
import { makeRecord } from '../sync/sim-cluster.js';

/** A guard whose first `failures` calls fail; records every call. */
function flakyGuard(failures: number): TakeoverGuard & { calls: string[] } {
  const calls: string[] = [];
  const call = (what: string): Promise<void> => {
    calls.push(what);
    return calls.length <= failures ? Promise.reject(new Error(`nft could not turn the takeover guard ${what}`)) : Promise.resolve();
  };
  return { calls, on: () => call('on'), off: () => call('off') };
}

function executor(guard: TakeoverGuard, lines: string[]): DaemonFailoverExecutor {
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  // only the guard and the logger are used by guardOn/guardOff
  return new DaemonFailoverExecutor({ guard, logger, guardRetryMs: 1 } as unknown as FailoverExecutorDeps);
}

describe('DaemonFailoverExecutor: the takeover guard', () => {
  it('tries nft again when it fails for a moment', async () => {
    const guard = flakyGuard(GUARD_ATTEMPTS - 1);
    const lines: string[] = [];
    await executor(guard, lines).guardOff();
    expect(guard.calls).toEqual(Array.from({ length: GUARD_ATTEMPTS }, () => 'off'));
    expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(GUARD_ATTEMPTS - 1);
    expect(lines.at(-1)).toBe('info takeover guard off');
  });

  it('fails, logged, once every attempt failed', async () => {
    const guard = flakyGuard(GUARD_ATTEMPTS);
    const lines: string[] = [];
    await expect(executor(guard, lines).guardOn()).rejects.toThrow('nft could not turn the takeover guard on');
    expect(guard.calls).toHaveLength(GUARD_ATTEMPTS);
    expect(lines.at(-1)).toBe('error failover action failed');
  });
});

describe('DaemonFailoverExecutor: our own table at takeover', () => {
  it('reads the table again until a read succeeds when the takeover\'s read fails', async () => {
    const heals: string[] = [];
    const lines: string[] = [];
    const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
    const deps = {
      events: { activate: async () => undefined, active: true, subscribed: true },
      ownTable: {
        request: async () => {
          throw new Error('the kernel refused the dump (errno 105)');
        },
        heal: (reason: string) => void heals.push(reason),
      },
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    } as unknown as FailoverExecutorDeps;
    await expect(new DaemonFailoverExecutor(deps).resyncOwnTable()).rejects.toThrow('errno 105');
    expect(heals).toEqual(['failover']);
    expect(lines.at(-1)).toBe('error failover action failed');
  });

  it('takes no earlier commit\'s time for a commit that failed: the re-read after it reads the kernel', async () => {
    const since: (number | undefined)[] = [];
    let fail = false;
    let forgets = 0;
    const deps = {
      node: { forgetFrozenCopies: () => (forgets++, { origins: [], entries: 0 }) },
      events: { activate: async () => undefined, active: true, subscribed: true },
      ownTable: {
        request: async (_reason: string, after?: number) => {
          since.push(after);
          return {};
        },
        heal: () => undefined,
      },
      committer: {
        lastWriteEndedAt: 0,
        takeLastCommitted: () => undefined,
        async commit() {
          if (fail) throw new Error('the kernel refused the commit');
          this.lastWriteEndedAt += 100;
        },
      },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    } as unknown as FailoverExecutorDeps;
    const run = new DaemonFailoverExecutor(deps);
    await run.commitExternalCache();
    await run.resyncOwnTable(); // a takeover: its re-read may be any dump begun after its commit
    await run.commitExternalCache(); // a takeover a BACKUP overtook: its re-read was skipped
    fail = true;
    await expect(run.commitExternalCache()).rejects.toThrow('refused');
    await run.resyncOwnTable();
    expect(since).toEqual([100, undefined]);
    // the peers' copies are emptied after the commits that wrote, never after the one that failed
    expect(forgets).toBe(2);
  });

  // a dump begun after the commit but before the subscription (a heal's retry, `half resync
  // kernel` on the standby) missed the events between its start and the subscription's
  it('takes the commit\'s time only when the events were followed already: a fresh read otherwise', async () => {
    const since: (number | undefined)[] = [];
    const events = { subscribed: false, active: false, activate: async () => void (events.subscribed = true) };
    const deps = {
      node: { forgetFrozenCopies: () => ({ origins: [], entries: 0 }) },
      events,
      ownTable: { request: async (_reason: string, after?: number) => void since.push(after), heal: () => undefined },
      committer: { lastWriteEndedAt: 500, commit: async () => undefined, takeLastCommitted: () => undefined },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    } as unknown as FailoverExecutorDeps;
    const run = new DaemonFailoverExecutor(deps);
    await run.commitExternalCache();
    await run.resyncOwnTable(); // subscribed only now
    await run.commitExternalCache();
    await run.resyncOwnTable(); // followed all along
    expect(since).toEqual([undefined, 500]);
  });

  // HALF's standby follows no conntrack events (nf_conntrack_events=1): a connection the commit
  // wrote that closes before the takeover's subscription is told by no event, and the re-read,
  // against a table emptied at the last step-down, has nothing to delete. Found by a review: the
  // old sender's table, handed over and merged, brought 36-43 of 50 such connections back
  it('remembers as closed what its commit wrote and the re-read after it did not find', async () => {
    const records = [makeRecord(1, 1), makeRecord(2, 1), makeRecord(3, 1), makeRecord(4, 1)];
    const internal = new FlowCache();
    const noted: number[] = [];
    const asked: { keepRecords?: boolean }[] = [];
    let kept: IndexedRecords | undefined;
    const deps = {
      node: {
        forgetFrozenCopies: () => ({ origins: [], entries: 0 }),
        noteOwnClose: (_table: number, key: Uint8Array) => void noted.push(Buffer.from(key).readUInt32BE(0)),
      },
      events: { subscribed: false, active: false, activate: async () => undefined },
      internal,
      // the re-read finds 1 and 3: 2 and 4 closed meanwhile
      ownTable: { request: async () => void [records[0], records[2]].forEach((r) => internal.set(r as FlowRecord, 2, 0)), heal: () => undefined },
      committer: {
        lastWriteEndedAt: 500,
        commit: async (_reason: string, _merge: unknown, options: { keepRecords?: boolean } = {}) => {
          asked.push(options);
          kept = { length: records.length, at: (i: number) => records[i] };
        },
        takeLastCommitted: () => {
          const taken = kept;
          kept = undefined;
          return taken;
        },
      },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    } as unknown as FailoverExecutorDeps;
    const run = new DaemonFailoverExecutor(deps);
    await run.commitExternalCache();
    await run.resyncOwnTable();
    expect(asked).toEqual([{ keepRecords: true }]);
    expect(noted).toEqual([2, 4]);
    // a later re-read (a heal) compares nothing
    await run.resyncOwnTable();
    expect(noted).toEqual([2, 4]);
  });

  // a review: a takeover re-read that failed dropped the comparison for good, and merges went on
  it('compares after the next read that succeeds when the takeover\'s failed, and holds merges until then; lets go of the records when it stops sending', async () => {
    const records = [makeRecord(1, 1), makeRecord(2, 1)];
    const internal = new FlowCache();
    const noted: number[] = [];
    const heals: string[] = [];
    const afterRead: (() => void)[] = [];
    let fail = true;
    const deps = {
      node: {
        forgetFrozenCopies: () => ({ origins: [], entries: 0 }),
        noteOwnClose: (_table: number, key: Uint8Array) => void noted.push(Buffer.from(key).readUInt32BE(0)),
        becomeReceiver: () => undefined,
      },
      events: { subscribed: false, active: false, activate: async () => undefined, deactivate: () => undefined },
      internal,
      ownTable: {
        request: async () => {
          if (fail) throw new Error('the kernel refused the dump (errno 105)');
          internal.set(records[0] as FlowRecord, 2, 0);
        },
        heal: (reason: string) => void heals.push(reason),
        afterNextRead: (callback: () => void) => void afterRead.push(callback),
      },
      committer: {
        lastWriteEndedAt: 500,
        commit: async () => undefined,
        takeLastCommitted: () => ({ length: records.length, at: (i: number) => records[i] }),
      },
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    } as unknown as FailoverExecutorDeps;
    const run = new DaemonFailoverExecutor(deps);
    await run.commitExternalCache();
    expect(run.closesPending).toBe(true);
    await expect(run.resyncOwnTable()).rejects.toThrow('errno 105');
    expect(heals).toEqual(['failover']);
    expect(noted).toEqual([]);
    expect(run.closesPending, 'merges wait').toBe(true);
    // the heal's read succeeds
    fail = false;
    internal.set(records[0] as FlowRecord, 2, 0);
    for (const callback of afterRead.splice(0)) callback();
    await new Promise((resolve) => setImmediate(resolve));
    expect(noted).toEqual([2]);
    expect(run.closesPending).toBe(false);
    // a takeover a BACKUP overtook after its commit: nothing held once it stops sending
    await run.commitExternalCache();
    expect(run.closesPending).toBe(true);
    await run.stopSending();
    expect(run.closesPending).toBe(false);
  });
});
