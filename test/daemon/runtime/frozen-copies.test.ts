import { describe, expect, it } from 'vitest';
import type { MergeCommit } from '../../../daemon/src/runtime/external-commit.js';
import { FrozenCopyUpkeep, type PeerCopies } from '../../../daemon/src/runtime/frozen-copies.js';
import type { CommitSummary } from '../../../daemon/src/control/status-model.js';
import { recordingLogger } from './recording-logger.js';

/** A sync node whose copies of `overlapped` await a merge, and which records what it forgot. */
function peers(overlapped: number[]): PeerCopies & { role: 'sender' | 'receiver'; forgotten: number } {
  const node = {
    role: 'sender' as 'sender' | 'receiver',
    forgotten: 0,
    overlappedCopies: () => [...overlapped],
    forgetFrozenCopies: () => {
      node.forgotten++;
      const origins = overlapped.splice(0);
      return { origins, entries: origins.length * 10 };
    },
  };
  return node;
}

function committer(outcome: 'ok' | 'throws') {
  const calls: { reason: string; merge: MergeCommit | undefined }[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    calls,
    release,
    running: 0,
    async commit(reason: string, merge?: MergeCommit): Promise<CommitSummary> {
      calls.push({ reason, merge });
      await gate;
      if (outcome === 'throws') throw new Error('netlink socket closed');
      return { entries: 10, created: 3, updated: 0, failed: 0, durationMs: 1 };
    },
  };
}

describe('FrozenCopyUpkeep', () => {
  it('merges the copies of peers that sent alongside, then empties them; nothing is emptied while the merge runs', async () => {
    const node = peers([2]);
    const commits = committer('ok');
    const logger = recordingLogger();
    const upkeep = new FrozenCopyUpkeep(node, commits, logger);
    upkeep.tick();
    upkeep.tick(); // a round during the merge: neither a second merge nor an emptying
    expect(commits.calls).toEqual([{ reason: 'merge', merge: { origins: [2] } }]);
    expect(node.forgotten).toBe(0);
    commits.release();
    await upkeep.settled;
    expect(node.forgotten).toBe(1);
    expect(upkeep.counters).toEqual({ merges: 1, mergeFailures: 0 });
    upkeep.tick(); // nothing owed: copies of peers that stopped are simply emptied
    expect(commits.calls).toHaveLength(1);
    expect(node.forgotten).toBe(2);
  });

  it('empties the copies after a merge whose commit failed as a whole, said as lost', async () => {
    const node = peers([3]);
    const commits = committer('throws');
    const logger = recordingLogger();
    const upkeep = new FrozenCopyUpkeep(node, commits, logger);
    upkeep.tick();
    commits.release();
    await upkeep.settled;
    expect(node.forgotten).toBe(1);
    expect(upkeep.counters.mergeFailures).toBe(1);
    expect(logger.lines.join('\n')).toMatch(/error merging the copies of peers that stopped failed; their connections are lost to this node .*"nodes":"3".*netlink socket closed/);
  });

  it('does nothing while this node is not the sender, or while another commit reads the copies', () => {
    const node = peers([2]);
    const commits = committer('ok');
    const upkeep = new FrozenCopyUpkeep(node, commits, recordingLogger());
    node.role = 'receiver';
    upkeep.tick();
    node.role = 'sender';
    commits.running = 1;
    upkeep.tick();
    expect(commits.calls).toEqual([]);
    expect(node.forgotten).toBe(0);
  });
});
