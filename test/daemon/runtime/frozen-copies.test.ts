import { describe, expect, it } from 'vitest';
import type { MergeCommit } from '../../../daemon/src/runtime/external-commit.js';
import { FrozenCopyUpkeep, mergeSource, type OverlappedCopy, type PeerCopies } from '../../../daemon/src/runtime/frozen-copies.js';
import { ExternalCaches } from '../../../daemon/src/cache/external-caches.js';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { CommitSummary } from '../../../daemon/src/control/status-model.js';
import type { FlowRecord } from '../../../daemon/src/model/record.js';
import { makeRecord } from '../sync/sim-cluster.js';
import { recordingLogger } from './recording-logger.js';

/** A sync node whose copies of `overlapped` await a merge, and which records what it forgot. */
function peers(overlapped: OverlappedCopy[]): PeerCopies & { role: 'sender' | 'receiver'; forgotten: number; only: (readonly number[] | undefined)[] } {
  const node = {
    role: 'sender' as 'sender' | 'receiver',
    forgotten: 0,
    only: [] as (readonly number[] | undefined)[],
    overlappedCopies: () => [...overlapped],
    forgetFrozenCopies: (only?: readonly number[]) => {
      node.forgotten++;
      node.only.push(only);
      const gone = overlapped.filter((c) => only === undefined || only.includes(c.origin));
      for (const c of gone) overlapped.splice(overlapped.indexOf(c), 1);
      const origins = gone.map((c) => c.origin);
      return { origins, entries: origins.length * 10 };
    },
  };
  return node;
}

/** Copies whose records changed at `times` (one record each), per origin. */
function copies(times: Record<number, readonly number[]>) {
  const asked: OverlappedCopy[][] = [];
  const changedSince = (overlapped: readonly OverlappedCopy[]): FlowRecord[] => {
    asked.push([...overlapped]);
    return overlapped.flatMap(({ origin, since }) => (times[origin] ?? []).flatMap((t, i) => (t >= since ? [makeRecord(origin * 1000 + i, 1)] : [])));
  };
  return { asked, changedSince };
}

/** The sync clock, set by the test. */
function clockAt(t: number): { t: number; now(): number } {
  return { t, now() { return this.t; } };
}

function committer(outcome: 'ok' | 'throws') {
  const calls: { reason: string; origins: readonly number[] | undefined; records: number }[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    calls,
    release,
    running: 0,
    async commit(reason: string, merge?: MergeCommit): Promise<CommitSummary> {
      calls.push({ reason, origins: merge?.origins, records: merge?.records.length ?? -1 });
      await gate;
      if (outcome === 'throws') throw new Error('netlink socket closed');
      return { entries: 10, created: 3, updated: 0, failed: 0, durationMs: 1 };
    },
  };
}

describe('FrozenCopyUpkeep', () => {
  it('merges what the copies of peers that sent alongside took in since, then empties them; nothing is emptied while the merge runs', async () => {
    const node = peers([{ origin: 2, since: 100 }]);
    const changed = copies({ 2: [50, 99, 100, 150] });
    const commits = committer('ok');
    const upkeep = new FrozenCopyUpkeep(node, changed.changedSince, commits, recordingLogger(), clockAt(1000));
    upkeep.tick();
    upkeep.tick(); // a round during the merge: neither a second merge nor an emptying
    expect(commits.calls).toEqual([{ reason: 'merge', origins: [2], records: 2 }]);
    expect(node.forgotten).toBe(0);
    commits.release();
    await upkeep.settled;
    expect(node.forgotten).toBe(1);
    expect(upkeep.counters).toEqual({ merges: 1, mergeFailures: 0 });
    upkeep.tick(); // nothing owed: copies of peers that stopped are simply emptied
    expect(commits.calls).toHaveLength(1);
    expect(node.forgotten).toBe(2);
  });

  it('empties after a merge only the copies it merged: one that froze meanwhile is merged at the next round', async () => {
    const overlapped: OverlappedCopy[] = [{ origin: 2, since: 0 }];
    const node = peers(overlapped);
    const changed = copies({ 2: [1], 3: [5] });
    const commits = committer('ok');
    const upkeep = new FrozenCopyUpkeep(node, changed.changedSince, commits, recordingLogger(), clockAt(1000));
    upkeep.tick();
    overlapped.push({ origin: 3, since: 0 }); // node 3 steps down while node 2's copy is merged
    commits.release();
    await upkeep.settled;
    expect(node.only).toEqual([[2]]);
    upkeep.tick();
    await upkeep.settled;
    expect(commits.calls.map((c) => c.origins)).toEqual([[2], [3]]);
  });

  it('keeps a copy that took in entries while its merge ran (a late resend): the next round merges only those, then empties it', async () => {
    const node = peers([{ origin: 2, since: 0 }]);
    const times: Record<number, number[]> = { 2: [1, 2] };
    const changed = copies(times);
    const commits = committer('ok');
    const logger = recordingLogger();
    const clock = clockAt(5);
    const upkeep = new FrozenCopyUpkeep(node, changed.changedSince, commits, logger, clock);
    upkeep.tick();
    clock.t = 6;
    times[2]?.push(6); // arrives while the commit runs
    commits.release();
    await upkeep.settled;
    expect(node.forgotten).toBe(0);
    expect(logger.lines.join('\n')).toMatch(/copies took in entries while their merge ran: what came since is merged at the next round .*"nodes":"2"/);
    clock.t = 1005;
    upkeep.tick();
    await upkeep.settled;
    // not the two merged already: a connection this node closed since and no longer remembers
    // closing would come back
    expect(commits.calls.map((c) => c.records)).toEqual([2, 1]);
    expect(changed.asked[1]).toEqual([{ origin: 2, since: 5 }]);
    expect(node.only).toEqual([[2]]);
  });

  it('forgets where a copy\'s last merge ended once this node stops sending: a later takeover merges whole copies', async () => {
    const node = peers([{ origin: 2, since: 0 }]);
    const times: Record<number, number[]> = { 2: [1] };
    const changed = copies(times);
    const commits = committer('ok');
    const clock = clockAt(5);
    const upkeep = new FrozenCopyUpkeep(node, changed.changedSince, commits, recordingLogger(), clock);
    upkeep.tick();
    times[2]?.push(5);
    commits.release();
    await upkeep.settled;
    node.role = 'receiver';
    upkeep.tick();
    node.role = 'sender';
    clock.t = 2000;
    const asked = changed.asked.length;
    upkeep.tick();
    await upkeep.settled;
    expect(changed.asked[asked]).toEqual([{ origin: 2, since: 0 }]);
    expect(commits.calls.map((c) => c.records)).toEqual([1, 2]);
  });

  it('commits nothing when the copy took in nothing since (a takeover\'s overlap that ended at once): it is emptied', () => {
    const node = peers([{ origin: 2, since: 200 }]);
    const changed = copies({ 2: [50, 150] });
    const commits = committer('ok');
    const upkeep = new FrozenCopyUpkeep(node, changed.changedSince, commits, recordingLogger(), clockAt(1000));
    upkeep.tick();
    expect(changed.asked).toEqual([[{ origin: 2, since: 200 }]]);
    expect(commits.calls).toEqual([]);
    expect(node.forgotten).toBe(1);
    expect(upkeep.counters.merges).toBe(0);
  });

  it('empties the copies after a merge whose commit failed as a whole, said as lost', async () => {
    const node = peers([{ origin: 3, since: 0 }]);
    const commits = committer('throws');
    const logger = recordingLogger();
    const upkeep = new FrozenCopyUpkeep(node, copies({ 3: [1] }).changedSince, commits, logger, clockAt(1000));
    upkeep.tick();
    commits.release();
    await upkeep.settled;
    expect(node.forgotten).toBe(1);
    expect(upkeep.counters.mergeFailures).toBe(1);
    expect(logger.lines.join('\n')).toMatch(/error merging the copies of peers that stopped failed; their connections are lost to this node .*"nodes":"3".*netlink socket closed/);
  });

  it('does nothing while this node is not the sender, while another commit reads the copies, or while our table is re-read', () => {
    const node = peers([{ origin: 2, since: 0 }]);
    const changed = copies({ 2: [1] });
    const commits = committer('ok');
    let rereading = false;
    const upkeep = new FrozenCopyUpkeep(node, changed.changedSince, commits, recordingLogger(), clockAt(1000), () => rereading);
    node.role = 'receiver';
    upkeep.tick();
    node.role = 'sender';
    commits.running = 1;
    upkeep.tick();
    commits.running = 0;
    // the re-read after a commit's pause of the events: closes meanwhile are not remembered yet
    rereading = true;
    upkeep.tick();
    expect(commits.calls).toEqual([]);
    expect(changed.asked).toEqual([]);
    expect(node.forgotten).toBe(0);
    rereading = false;
    upkeep.tick();
    expect(commits.calls).toHaveLength(1);
  });
});

describe('mergeSource', () => {
  // our kernel may close a connection while the merge writes, with no event followed then: written
  // from the peer's copy, create-only, it would be created again (a review: 50 of 50 after a
  // handover, whose table mostly duplicates ours). What our table holds adds nothing to a
  // create-only merge
  it('leaves out what our own table holds, and what we remember closing', () => {
    const external = new ExternalCaches();
    const internal = new FlowCache();
    const ids = [1, 2, 3, 4];
    for (const id of ids) external.forOrigin(2).set(makeRecord(id, 1), 2, 100);
    internal.set(makeRecord(2, 7), 1, 50); // held by us, in another state
    const closed = new Set([3]);
    const node = { closedSince: (flow: { record: FlowRecord }) => closed.has(Buffer.from(flow.record.key).readUInt32BE(0)) };
    const merged = mergeSource(external, node, internal)([{ origin: 2, since: 0 }]);
    expect(merged.map((r) => Buffer.from(r.key).readUInt32BE(0)).sort()).toEqual([1, 4]);
  });
});
