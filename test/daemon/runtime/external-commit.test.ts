// The commit of the external cache (daemon/src/runtime/external-commit.ts), its queue with a
// writer whose commits end when the test says so: commits never overlap (two `half commit`, or
// one during the takeover's, would delete each other's fresh entries), full commits asked for
// meanwhile share one more run that reads the caches when it starts, a merge runs on its own,
// and the counters count the runs that happened. The real kernel path: test/daemon/integration/.
import { describe, expect, it } from 'vitest';
import { ExternalCaches } from '../../../daemon/src/cache/external-caches.js';
import type { CommitRecordsOptions, KernelWriter, RecordApplyReport } from '../../../daemon/src/kernel/kernel-roles.js';
import type { IndexedRecords } from '../../../daemon/src/model/record.js';
import { ExternalCommitter } from '../../../daemon/src/runtime/external-commit.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { makeRecord } from '../sync/sim-cluster.js';
import { recordingLogger } from './recording-logger.js';

interface WriterCall {
  readonly entries: number;
  readonly createOnly: boolean;
  readonly finish: (outcome?: Error) => void;
}

/** A writer whose commits end when the test calls their `finish`; it records the most at once. */
class HeldWriter {
  readonly calls: WriterCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Indices of records the kernel refuses. */
  refuse = new Set<number>();
  /** The records of the latest call. */
  lastRecords: IndexedRecords | undefined;
  private waiters: (() => void)[] = [];

  async commitRecords(records: IndexedRecords, options: CommitRecordsOptions = {}): Promise<RecordApplyReport> {
    this.inFlight++;
    this.lastRecords = records;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const outcome = await new Promise<Error | undefined>((resolve) => {
        this.calls.push({ entries: records.length, createOnly: options.createOnly === true, finish: resolve });
        for (const wake of this.waiters.splice(0)) wake();
      });
      if (outcome !== undefined) throw outcome;
      const n = records.length;
      const results = Array.from({ length: n }, (_, i) => (this.refuse.has(i) ? { ok: false as const, errno: 12, code: 'ENOMEM', reason: 'table full' } : { ok: true as const, action: 'created' as const }));
      const failed = results.filter((r) => !r.ok).length;
      return { results, created: options.createOnly === true ? n - failed : 0, replaced: 0, updated: options.createOnly === true ? 0 : n - failed, deleted: 0, failed, messages: 1, retries: 0, overruns: 0, undecodable: [] };
    } finally {
      this.inFlight--;
    }
  }

  /** Resolves once the writer has been called `n` times in all. */
  async called(n: number): Promise<WriterCall> {
    while (this.calls.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.calls[n - 1] as WriterCall;
  }
}

/** Lets every queued promise callback run (the writer is never called within one). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const external = new ExternalCaches();
  const writer = new HeldWriter();
  const logger = recordingLogger();
  const clock = new FakeClock(1000);
  const committer = new ExternalCommitter(external, writer as unknown as KernelWriter, { quietly: (_reason, work) => work() }, clock, logger);
  const add = (from: number, count: number) => {
    for (let id = from; id < from + count; id++) external.forOrigin(2).set(makeRecord(id, 1), 2, clock.now());
  };
  return { external, writer, logger, committer, add };
}

describe('ExternalCommitter', () => {
  it('never runs two commits at once: those asked for during one share the next, which reads the caches when it starts', async () => {
    const { writer, logger, committer, add } = setup();
    add(1, 3);
    const byAdmin = committer.commit('half commit');
    const first = await writer.called(1);
    add(10, 2); // arrives while the first commit runs: only a later one can hold it
    const byFailover = committer.commit('failover');
    const byOtherAdmin = committer.commit('half commit');
    await settle();
    expect(writer.calls).toHaveLength(1); // the others wait
    expect(committer.running).toBe(3);
    first.finish();
    expect(await byAdmin).toMatchObject({ entries: 3 });
    const second = await writer.called(2);
    expect(second.entries).toBe(5);
    second.finish();
    const [failover, other] = await Promise.all([byFailover, byOtherAdmin]);
    expect(failover).toBe(other);
    expect(failover).toMatchObject({ entries: 5, updated: 5 });
    await settle();
    expect(writer.calls).toHaveLength(2);
    expect(writer.maxInFlight).toBe(1);
    expect(committer.running).toBe(0);
    expect(committer.stats().count).toBe(2); // the runs, not the requests
    expect(logger.lines.filter((l) => l.startsWith('info external cache committed')).map((l) => (JSON.parse(l.slice(l.indexOf('{'))) as { reason: string }).reason)).toEqual(['half commit', 'failover, half commit']);
  });

  it('queues a merge behind a commit and runs it on its own, create-only; a commit asked for after it runs after it', async () => {
    const { writer, committer, add } = setup();
    add(1, 4);
    const full = committer.commit('half commit');
    const first = await writer.called(1);
    const merge = committer.commit('merge', { origins: [3], records: [makeRecord(50, 1), makeRecord(51, 1)] });
    const failover = committer.commit('failover');
    first.finish();
    await full;
    const second = await writer.called(2);
    expect(second).toMatchObject({ entries: 2, createOnly: true });
    await settle();
    expect(writer.calls).toHaveLength(2); // the failover's commit waits for the merge
    second.finish();
    expect(await merge).toMatchObject({ entries: 2, created: 2 });
    const third = await writer.called(3);
    expect(third).toMatchObject({ entries: 4, createOnly: false });
    third.finish();
    await failover;
    expect(writer.maxInFlight).toBe(1);
    expect(committer.stats().count).toBe(2); // a merge is no takeover commit
  });

  it('runs the commits waiting behind one that failed', async () => {
    const { writer, committer, add } = setup();
    add(1, 2);
    const failing = committer.commit('half commit');
    const first = await writer.called(1);
    const failover = committer.commit('failover');
    first.finish(new Error('netlink socket closed'));
    await expect(failing).rejects.toThrow('netlink socket closed');
    (await writer.called(2)).finish();
    expect(await failover).toMatchObject({ entries: 2 });
    expect(writer.maxInFlight).toBe(1);
    expect(committer.stats().count).toBe(1);
    expect(committer.lastWriteEndedAt).toBe(1000);
  });

  it('keeps what a commit wrote for the takeover that asks (shared runs included), once, and a failed commit\'s nothing', async () => {
    const { writer, committer, add } = setup();
    add(1, 3);
    const byAdmin = committer.commit('half commit');
    (await writer.called(1)).finish();
    await byAdmin;
    expect(committer.takeLastCommitted(), 'not asked to keep them').toBeUndefined();
    const first = committer.commit('half commit');
    const running = await writer.called(2);
    const failover = committer.commit('failover', undefined, { keepRecords: true });
    const shared = committer.commit('half commit');
    running.finish();
    await first;
    (await writer.called(3)).finish();
    await Promise.all([failover, shared]);
    const kept = committer.takeLastCommitted();
    expect(kept?.length).toBe(3);
    const ids = Array.from({ length: kept?.length ?? 0 }, (_, i) => Buffer.from(kept?.at(i)?.key ?? []).readUInt32BE(0));
    expect(ids.sort()).toEqual([1, 2, 3]);
    expect(committer.takeLastCommitted(), 'taken once').toBeUndefined();
    const merge = committer.commit('merge', { origins: [3], records: [makeRecord(50, 1)] });
    (await writer.called(4)).finish();
    await merge;
    expect(committer.takeLastCommitted(), 'a merge is no takeover').toBeUndefined();
    const failed = committer.commit('failover', undefined, { keepRecords: true });
    (await writer.called(5)).finish(new Error('netlink socket closed'));
    await expect(failed).rejects.toThrow('netlink socket closed');
    expect(committer.takeLastCommitted()).toBeUndefined();
  });

  // the next run starts as soon as the takeover's settles, before the executor's await resumes:
  // it must not let go of the records kept for it (a review found the comparison skipped so)
  it('keeps them through a full commit queued behind the takeover\'s', async () => {
    const { writer, committer, add } = setup();
    add(1, 3);
    const failover = committer.commit('failover', undefined, { keepRecords: true });
    const first = await writer.called(1);
    const byAdmin = committer.commit('half commit');
    first.finish();
    await writer.called(2); // the admin's run has begun
    await failover;
    expect(committer.takeLastCommitted()?.length).toBe(3);
    (await writer.called(2)).finish();
    await byAdmin;
    expect(committer.takeLastCommitted()).toBeUndefined();
  });

  // a review: an entry the kernel refused is not in it, and the re-read not finding it took it
  // for a close, so a handover of that still-live connection was left out of the merge
  it('keeps only the records the kernel took', async () => {
    const { writer, committer, add } = setup();
    add(1, 4);
    writer.refuse = new Set([1, 3]);
    const failover = committer.commit('failover', undefined, { keepRecords: true });
    (await writer.called(1)).finish();
    expect(await failover).toMatchObject({ failed: 2 });
    const kept = committer.takeLastCommitted();
    const given = writer.lastRecords;
    expect(kept?.length).toBe(2);
    expect([kept?.at(0)?.key, kept?.at(1)?.key]).toEqual([given?.at(0)?.key, given?.at(2)?.key]);
  });
});
