// A split brain of three nodes over a sync link cut for longer than the peer timeout
// (external-cache mode): node 2 takes over while cut from node 1, both serve, then one steps
// down and the link heals. The loser's frames to the winner were released once the winner had
// been silent for the peer timeout, and its table goes at the step-down: it keeps a snapshot and
// hands it over when the winner asks for those frames (OutboundStream.becomeReceiver), as frames
// marked first sent as the sender, which the winner merges create-only once whole. Before, what
// only the loser served in the overlap was lost (a review fuzz lost it in 24 of 200 seeds).
// Shorter overlaps, where the loser's resend queue dropped frames the winner lacked, end the same way.
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../daemon/src/model/record.js';
import { deleteOf, frozenCopyUpkeep, makeRecord, recordHex, SimCluster, simTakeover, type SimKernel, type SimMember } from './sim-cluster.js';

/** How the two senders overlap: for how long (4 s), over a link cut both ways or only from A to B, with what resend queue. */
interface Overlap {
  readonly ms?: number;
  readonly oneWay?: boolean;
  readonly resendQueueFrames?: number;
}

/**
 * A (1) the sender, B (2) and C (3) in sync on 50 connections; the link between A and B cut both
 * ways, B takes over; for 4 s (beyond the 3-s peer timeout) each serves 20 new connections (A
 * from id 1000, B from 2000), and the winner-to-be closes connection 0, which the loser still holds. Then `loser` steps
 * down (the daemon clears its table), and the link heals 100 ms later (`healFirst`: 100 ms before,
 * while the loser is still the sender and answers the winner's NACKs as such). Every second, the senders
 * run their upkeep. Returns the winner's kernel, what only the loser served, and the cluster.
 */
function splitBrainThenStepDown(loserId: 1 | 2, healFirst = 0, network: { seed: number; loss?: number } = { seed: 3 }, overlap: Overlap = {}) {
  const sim = new SimCluster(network);
  const initial = Array.from({ length: 50 }, (_, i) => makeRecord(i, 1));
  const options = overlap.resendQueueFrames === undefined ? {} : { resendQueueFrames: overlap.resendQueueFrames };
  const a = sim.start(1, { role: 'sender', table: initial, options });
  const b = sim.start(2, { role: 'receiver', options });
  const c = sim.start(3, { role: 'receiver', options });
  expect(sim.clock.advanceUntil(() => sim.allInSync(1), 5000, 10)).toBeDefined();
  const kernels = new Map<number, SimKernel>([
    [1, new Map(initial.map((r) => [recordHex(r), r]))],
    [2, new Map()],
  ]);
  const members = new Map([
    [1, a],
    [2, b],
  ]);
  const senders = new Set([1]);
  const tick = (ms: number, each: (t: number) => void = () => undefined): void => {
    for (let t = 0; t < ms; t++) {
      each(t);
      if (sim.clock.now() % 1000 === 0) for (const id of senders) frozenCopyUpkeep(members.get(id) as SimMember, kernels.get(id) as SimKernel);
      sim.clock.advance(1);
    }
  };
  const cut = (blocked: boolean): void => {
    sim.network.block(a.address, b.address, blocked);
    sim.network.block(b.address, a.address, blocked);
  };
  const serve = (m: SimMember, record: FlowRecord): void => {
    m.node.localChange({ op: 'set', record });
    kernels.get(m.id)?.set(recordHex(record), record);
  };
  if (overlap.oneWay === true) sim.network.block(a.address, b.address);
  else cut(true);
  simTakeover(b, kernels.get(2) as SimKernel);
  senders.add(2);
  const winnerId = 3 - loserId;
  const closed = initial[0] as FlowRecord;
  (members.get(winnerId) as SimMember).node.localChange(deleteOf(closed));
  kernels.get(winnerId)?.delete(recordHex(closed));
  const overlapMs = overlap.ms ?? 4000;
  const every = overlapMs / 20;
  tick(overlapMs, (t) => {
    if (t % every !== 0) return;
    serve(a, makeRecord(1000 + t / every, 1));
    serve(b, makeRecord(2000 + t / every, 1));
  });
  const loser = members.get(loserId) as SimMember;
  const winnerKernel = kernels.get(winnerId) as SimKernel;
  const onlyLoser = [...(kernels.get(loserId) as SimKernel).values()].filter((r) => !winnerKernel.has(recordHex(r)) && recordHex(r) !== recordHex(closed));
  if (healFirst > 0) (cut(false), tick(healFirst));
  loser.node.becomeReceiver();
  loser.internal.clear();
  senders.delete(loserId);
  if (healFirst === 0) (tick(100), cut(false));
  tick(15_000);
  return { sim, a, b, c, loser, winner: members.get(winnerId) as SimMember, winnerKernel, onlyLoser, closed };
}

describe('split brain over a sync link cut for longer than the peer timeout, then one steps down', () => {
  it.each([
    [1, 'the old sender'],
    [2, 'the node that took over'],
  ] as const)('the winner merges what only the loser (%i, %s) served, and not a connection it closed itself', (loserId, _which) => {
    const { loser, winner, winnerKernel, onlyLoser, closed, c } = splitBrainThenStepDown(loserId);
    expect(onlyLoser.length).toBe(20);
    expect(onlyLoser.filter((r) => !winnerKernel.has(recordHex(r))).map((r) => recordHex(r)), 'connections only the loser served, lost').toEqual([]);
    expect(loser.node.counters.handovers).toBe(1);
    // the loser holds it still (A had it, B took it over from A's stream): the winner's close is newer
    expect(winnerKernel.has(recordHex(closed)), 'a connection the winner closed, brought back by the merge').toBe(false);
    // the winner's stream carries the merged table to the third node; the loser's copy there is gone
    expect(c.external.peek(winner.id)?.size).toBe(winner.internal.size);
    expect(c.external.peek(3 - winner.id)?.size ?? 0).toBe(0);
  });

  it.each([
    [1, 100],
    [2, 100],
  ] as const)('the winner merges what only the loser (%i) served when the link healed %i ms before the step-down', (loserId, healFirst) => {
    const { winnerKernel, onlyLoser, closed } = splitBrainThenStepDown(loserId, healFirst);
    expect(onlyLoser.length).toBe(20);
    expect(onlyLoser.filter((r) => !winnerKernel.has(recordHex(r))).map((r) => recordHex(r)), 'connections only the loser served, lost').toEqual([]);
    expect(winnerKernel.has(recordHex(closed)), 'a connection the winner closed, brought back by the merge').toBe(false);
  });

  // the loser answered the winner's NACKs as the sender with a full resync, and steps down with it
  // unfinished (frames lost): that repair, owed at the step-down, is the handover, started at once
  // and not ended by the winner's frames (a review fuzz lost what the loser served so, seed 177)
  it('the winner merges what only the loser served when the loser stepped down during the full resync it sent the winner', () => {
    const { loser, winnerKernel, onlyLoser, closed } = splitBrainThenStepDown(1, 12, { seed: 20, loss: 0.18 });
    expect(onlyLoser.length).toBe(20);
    expect(onlyLoser.filter((r) => !winnerKernel.has(recordHex(r))).map((r) => recordHex(r)), 'connections only the loser served, lost').toEqual([]);
    expect(loser.node.counters.handovers).toBe(1);
    expect(winnerKernel.has(recordHex(closed)), 'a connection the winner closed, brought back by the merge').toBe(false);
  });

  // shorter overlaps than the peer timeout, where the loser's small resend queue dropped frames
  // the winner lacked: a live receiver gets a SKIP and a repair for them, which the step-down
  // ended once the winner was heard as the sender (review fuzz with small queues: 77 of 100 lost)
  it.each([
    ['a cut of 1.5 s, healed 100 ms after the step-down (the winner asks for the frames)', { seed: 5, loss: 0.2 }, { ms: 1500, resendQueueFrames: 8 }],
    ['a cut from A to B only, B heard as the sender all along', { seed: 5, loss: 0.2 }, { ms: 1500, oneWay: true, resendQueueFrames: 8 }],
  ] as const)('the winner merges what only the loser served after %s', (_what, network, overlap) => {
    const { loser, winnerKernel, onlyLoser, closed } = splitBrainThenStepDown(1, 0, network, overlap);
    expect(onlyLoser.length).toBe(20);
    expect(loser.node.counters.resendQueueOverflows, 'frames the small queue dropped').toBeGreaterThan(0);
    expect(onlyLoser.filter((r) => !winnerKernel.has(recordHex(r))).map((r) => recordHex(r)), 'connections only the loser served, lost').toEqual([]);
    expect(winnerKernel.has(recordHex(closed)), 'a connection the winner closed, brought back by the merge').toBe(false);
  });

  // loss that lasts through the cut's end and after it (the fuzz turned it off for its last 5 s);
  // each case lost all the loser served, or brought back the connection the winner closed, before:
  //  - the winner's JOIN to the loser's stream lost before the cut: never joined, it lacked all,
  //    and no table was kept for it (ReceiverAcks.lacks);
  //  - the JOIN to the handover lost: joined at its start, the winner counted as having all before
  //    it, no second handover when it asked again (OutboundStream.owesHandover asksWhole, and the
  //    kept table's last frame brought up to the handover's);
  //  - the handover's frames held behind a gap awaiting a SKIP when the winner's upkeep found the
  //    copy empty and forgot the overlap (SyncNode.overlapComplete, InboundStream.holdsFrames);
  //  - the loser's full resync for the winner's NACKs, come after the winner heard it as the sender,
  //    taken as newer than the winner's close (SyncNode.closedSince: a remembered close wins)
  it.each([
    [0.2, 0, 3],
    [0.1, 100, 8],
    [0.2, 0, 7],
    [0.3, 100, 5],
    [0.2, 100, 4],
    [0.1, 100, 2],
  ] as const)('under a loss of %f that does not stop, healed %i ms before the step-down (seed %i), the winner merges what only the loser served, and not what it closed', (loss, healFirst, seed) => {
    const { winnerKernel, onlyLoser, closed } = splitBrainThenStepDown(2, healFirst, { seed, loss });
    expect(onlyLoser.length).toBe(20);
    expect(onlyLoser.filter((r) => !winnerKernel.has(recordHex(r))).length, 'connections only the loser served, lost').toBe(0);
    expect(winnerKernel.has(recordHex(closed)), 'a connection the winner closed, brought back by the merge').toBe(false);
  });

  it('the loser keeps its table no longer than it is owed: once the winner has it, and no receiver lacks a frame', () => {
    const { loser } = splitBrainThenStepDown(1);
    expect(loser.node.outbound.handingOver).toBe(false);
    expect(loser.node.outbound.planner.idle).toBe(true);
  });
});
