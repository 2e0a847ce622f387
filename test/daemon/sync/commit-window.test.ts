// A takeover commit reads the old master's copy while the old master may still send (keepalived
// demotes it a moment later). What the copy takes in after the commit began, and the old master
// stepped down before the commit ended, must still reach the new master's kernel: it is merged
// (create-only) once the new master sends, not emptied with the frozen copies. Before, it was in
// no commit, no copy and no merge, and the old master purged it. Found by the failover review;
// the real SyncNodes on the simulated network, the real committer and executor, a recording writer.
import { describe, expect, it } from 'vitest';
import type { IndexedRecords } from '../../../daemon/src/model/record.js';
import { ExternalCommitter } from '../../../daemon/src/runtime/external-commit.js';
import { DaemonFailoverExecutor, type FailoverExecutorDeps } from '../../../daemon/src/runtime/failover-executor.js';
import { FrozenCopyUpkeep, mergeSource } from '../../../daemon/src/runtime/frozen-copies.js';
import { recordingLogger } from '../runtime/recording-logger.js';
import { ChangeStream, makeRecord, settle, SimCluster, type SimMember } from './sim-cluster.js';

const hex = (key: Uint8Array): string => Buffer.from(key).toString('hex');

/**
 * A and B on the simulated network, A the old master; B takes over (its commit, then it sends)
 * while A replicates two more connections and steps down half-way through B's commit; then B's
 * own table sees `closing` end. `duringMerge` runs inside the writer while a merge (create-only)
 * writes. Returns B's kernel (key -> how it got there), its upkeep and the records.
 */
async function takeoverWhileOldMasterSteps(duringMerge: (b: SimMember, sim: SimCluster) => void = () => undefined) {
  const sim = new SimCluster({ seed: 11, loss: 0, minDelayMs: 0.2, maxDelayMs: 1 });
  const changes = new ChangeStream(12, 50_000);
  sim.start(1, { role: 'sender', table: changes.initial(1000) }); // A: the old master
  sim.start(2, { role: 'receiver' }); // B: taking over
  expect(settle(sim, 1, 10_000)).toBeDefined();
  const a = sim.member(1);
  const b = sim.member(2);
  const kernel = new Map<string, string>(); // B's kernel: key -> how it got there
  const late = makeRecord(777_001, 1); // a connection A sets up while B commits
  const closing = makeRecord(777_002, 1); // another, which B sees close once it serves
  let heard = false;
  const writer = {
    port: 1,
    async commitRecords(records: IndexedRecords, options: { createOnly?: boolean } = {}) {
      if (options.createOnly === true) duringMerge(b, sim);
      for (let i = 0; i < records.length; i++) {
        const record = records.at(i);
        if (record !== undefined && !kernel.has(hex(record.key))) kernel.set(hex(record.key), options.createOnly === true ? 'merge' : 'commit');
        if (i === 500 && options.createOnly !== true) {
          // half-way through B's commit: A still serves and replicates, then keepalived demotes it
          a.node.localChange({ op: 'set', record: late });
          a.node.localChange({ op: 'set', record: closing });
          sim.clock.advance(5);
          heard = b.external.peek(1)?.get(late.table, late.key) !== undefined;
          a.node.becomeReceiver();
          sim.clock.advance(5);
        }
      }
      return { created: records.length, updated: 0, replaced: 0, failed: 0, results: [], messages: 1, retries: 0, undecodable: [] };
    },
  };
  const logger = recordingLogger();
  const bulk = { quietly: <T,>(_reason: string, write: () => Promise<T>) => write() };
  const committer = new ExternalCommitter(b.external, writer as never, bulk, sim.clock, logger, () => b.node.originsByLastSending());
  const executor = new DaemonFailoverExecutor({
    committer,
    logger,
    node: {
      becomeSender: () => b.node.becomeSender(), becomeReceiver: () => b.node.becomeReceiver(), requestResync: () => b.node.requestResync(),
      forgetFrozenCopies: () => b.node.forgetFrozenCopies(), takeoverBegins: () => b.node.takeoverBegins(), peerSends: () => b.node.peerSends(),
    },
    events: { active: true, activate: async () => undefined, deactivate() {} },
    ownTable: { request: async () => ({}), heal() {} },
  } as unknown as FailoverExecutorDeps);
  await executor.commitExternalCache();
  expect(heard, 'the late connection reached B\'s copy during the commit').toBe(true);
  expect(kernel.has(hex(late.key)), 'the commit\'s snapshot was taken before it').toBe(false);
  await executor.becomeSender();
  // B serves now: its own table sees `closing` end (it came to B's kernel with the traffic)
  sim.clock.advance(1);
  b.node.localChange({ op: 'delete', table: closing.table, key: closing.key });
  const upkeep = new FrozenCopyUpkeep(b.node, mergeSource(b.external, b.node, b.internal), committer, logger, sim.clock);
  return { sim, b, kernel, upkeep, late, closing, logger };
}

describe('a takeover commit while the old master steps down', () => {
  it('merges what the old master replicated during the commit', async () => {
    const { b, kernel, upkeep, late, closing } = await takeoverWhileOldMasterSteps();
    upkeep.tick();
    await upkeep.settled;
    expect(kernel.get(hex(late.key))).toBe('merge');
    expect(kernel.has(hex(closing.key)), 'a connection B closed after A\'s last change of it is not created again').toBe(false);
    // and the copy, merged, is emptied
    upkeep.tick();
    expect(b.external.peek(1)?.size ?? 0).toBe(0);
  });

  it('merges in a second round what the copy took in while the merge ran (a late resend), and only that', async () => {
    const resent = makeRecord(777_003, 1);
    let merges = 0;
    const { sim, b, kernel, upkeep, late, logger } = await takeoverWhileOldMasterSteps((member, cluster) => {
      merges++;
      if (merges !== 1) return;
      // what B's stream applier does with a frame of A's that comes now (StreamApplier.apply)
      cluster.clock.advance(1);
      member.external.forOrigin(1).set(resent, 1, cluster.clock.now());
    });
    upkeep.tick();
    await upkeep.settled;
    expect(kernel.get(hex(late.key))).toBe('merge');
    expect(kernel.has(hex(resent.key)), 'it came after the merge\'s records were taken').toBe(false);
    expect(b.external.peek(1)?.get(resent.table, resent.key), 'the copy holding it is kept').toBeDefined();
    expect(logger.lines.join('\n')).toMatch(/copies took in entries while their merge ran/);
    sim.clock.advance(1000);
    upkeep.tick();
    await upkeep.settled;
    expect(kernel.get(hex(resent.key))).toBe('merge');
    expect(merges).toBe(2);
    const rounds = logger.lines.filter((line) => line.includes('merging what they replicated meanwhile'));
    expect(rounds.at(-1), 'the second round merges only what came since the first began').toMatch(/"entries":1\b/);
    expect(b.external.peek(1)?.size ?? 0, 'emptied after the second round').toBe(0);
  });
});
