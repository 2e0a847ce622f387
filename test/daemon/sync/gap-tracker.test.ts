// When a receiver NACKs (gap-tracker.ts): at once while no reordering was seen, after the reorder
// delay once it was, again after nackRetryMs; a resend arriving late is no reordering; across the
// 2^32 wrap; repeats after nackRetryMs on a quick link and after the repair time on a slow one,
// timed only on frames NACKed once; and, through an InboundStream, a delayed gap is NACKed by a
// tick when no further frame comes.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { emptySyncCounters } from '../../../daemon/src/sync/counters.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { GapTracker } from '../../../daemon/src/sync/gap-tracker.js';
import { InboundStream } from '../../../daemon/src/sync/inbound-stream.js';
import { resolveSyncOptions } from '../../../daemon/src/sync/options.js';
import { seqAdd } from '../../../daemon/src/sync/serial.js';
import type { Message } from '../../../daemon/src/wire/messages.js';

const RETRY = 40;
const NONE = (): boolean => false;

/** A tracker that saw `base + 2` arrive before `base + 1`, `lateMs` later (a reordered first transmission). */
function afterReordering(base: number, lateMs: number): GapTracker {
  const gaps = new GapTracker(RETRY, 4096);
  gaps.note(base, 0, 10);
  gaps.note(seqAdd(base, 2), 1, 12);
  gaps.arrived(seqAdd(base, 1), 1 + lateMs, 11);
  gaps.note(seqAdd(base, 1), 1 + lateMs, 11);
  return gaps;
}

describe('GapTracker', () => {
  it('NACKs a gap at once while no reordering was seen, and again after nackRetryMs', () => {
    const gaps = new GapTracker(RETRY, 4096);
    gaps.note(100, 0, 1);
    gaps.note(102, 5, 3);
    const buffered = (seq: number): boolean => seq === 102;
    expect(gaps.nack(5, 101, buffered)).toEqual([{ from: 101, to: 101 }]);
    expect(gaps.nack(5 + RETRY - 1, 101, buffered)).toBeUndefined();
    expect(gaps.nack(5 + RETRY, 101, buffered)).toEqual([{ from: 101, to: 101 }]);
  });

  it('waits the reorder delay before the first NACK once frames were seen late, across the wrap', () => {
    const base = 0xffff_fffe;
    const gaps = afterReordering(base, 8); // delay: 8 ms + a quarter
    gaps.note(seqAdd(base, 5), 100, 15); // 3 and 4 (past the wrap: 1 and 2) missing from t = 100
    const expected = seqAdd(base, 3);
    expect(gaps.nack(100, expected, NONE)).toBeUndefined();
    expect(gaps.nack(109, expected, NONE)).toBeUndefined();
    expect(gaps.nack(110, expected, NONE)).toEqual([{ from: 1, to: 3 }]);
    // a later gap waits its own delay; each is NACKed again nackRetryMs after its own NACK
    gaps.note(seqAdd(base, 8), 120, 18);
    expect(gaps.nack(125, expected, NONE)).toBeUndefined();
    expect(gaps.nack(130, expected, NONE)).toEqual([{ from: 4, to: 6 }]);
    expect(gaps.nack(110 + RETRY, expected, NONE)).toEqual([{ from: 1, to: 3 }]);
    expect(gaps.nack(130 + RETRY - 1, expected, NONE)).toBeUndefined();
    expect(gaps.nack(130 + RETRY, expected, NONE)).toEqual([{ from: 4, to: 6 }]);
  });

  it('takes a resend arriving late for no reordering', () => {
    const gaps = new GapTracker(RETRY, 4096);
    gaps.note(10, 0, 100);
    gaps.note(12, 1, 102);
    expect(gaps.nack(1, 11, NONE)).toEqual([{ from: 11, to: 12 }]);
    gaps.arrived(11, 20, 150); // sent after the NACK: a frame counter past the one that showed it missing
    gaps.note(11, 20, 150);
    gaps.note(14, 25, 151);
    expect(gaps.nack(25, 12, (seq) => seq === 12), 'still NACKed at once').toEqual([{ from: 13, to: 14 }]);
  });

  it('delays a first NACK by at most half of nackRetryMs', () => {
    const gaps = afterReordering(1000, 500);
    gaps.note(1005, 1000, 20);
    expect(gaps.nack(1000 + RETRY / 2 - 1, 1003, NONE)).toBeUndefined();
    expect(gaps.nack(1000 + RETRY / 2, 1003, NONE)).toEqual([{ from: 1003, to: 1005 }]);
  });
});

/**
 * One frame lost and repaired: `seq` goes missing at `at` (shown by `seq + 1`, frame counter
 * `counter`), is NACKed then, and its resend arrives `repairMs` later. Returns the NACK's ranges.
 */
function lostAndRepaired(gaps: GapTracker, seq: number, at: number, counter: number, repairMs: number) {
  gaps.arrived(seqAdd(seq, 1), at, counter);
  gaps.note(seqAdd(seq, 1), at, counter);
  const ranges = gaps.nack(at, seq, (s) => s === seqAdd(seq, 1));
  gaps.arrived(seq, at + repairMs, counter + 1);
  gaps.note(seq, at + repairMs, counter + 1);
  return ranges;
}

describe('GapTracker repeats', () => {
  it('keeps nackRetryMs on a short clean link, and NACKs a lost resend again after it', () => {
    const gaps = new GapTracker(RETRY, 4096);
    gaps.note(0, 0, 0);
    let counter = 1;
    for (let seq = 1; seq < 200; seq += 2, counter += 2) {
      expect(lostAndRepaired(gaps, seq, seq, counter, 0.3)).toEqual([{ from: seq, to: seq }]);
      expect(gaps.repeatMs()).toBe(RETRY);
    }
    // the resend of 201 is lost too: asked for again exactly nackRetryMs after its NACK
    gaps.note(202, 1000, counter + 1);
    const buffered = (seq: number): boolean => seq === 202;
    expect(gaps.nack(1000, 201, buffered)).toEqual([{ from: 201, to: 201 }]);
    expect(gaps.nack(1000 + RETRY - 1, 201, buffered)).toBeUndefined();
    expect(gaps.nack(1000 + RETRY, 201, buffered)).toEqual([{ from: 201, to: 201 }]);
    // a repeat backs the interval off (the resend might have been slow) until the next sample
    expect(gaps.repeatMs()).toBe(2 * RETRY);
    gaps.arrived(201, 1000 + RETRY + 0.3, counter + 2); // NACKed twice: no sample
    gaps.note(201, 1000 + RETRY + 0.3, counter + 2);
    expect(gaps.repeatMs()).toBe(2 * RETRY);
    expect(lostAndRepaired(gaps, 203, 1100, counter + 3, 0.3)).toEqual([{ from: 203, to: 203 }]);
    expect(gaps.repeatMs()).toBe(RETRY);
  });

  it('waits longer on a link whose repairs take longer, across the wrap', () => {
    const gaps = new GapTracker(RETRY, 4096);
    const base = 0xffff_ff00;
    gaps.note(base, 0, 0);
    let counter = 1;
    let at = 1;
    for (let i = 0; i < 100; i++, counter += 2, at += 200) lostAndRepaired(gaps, seqAdd(base, 1 + 2 * i), at, counter, 126);
    const repeat = gaps.repeatMs();
    expect(repeat).toBeGreaterThan(126);
    expect(repeat).toBeLessThan(130);
    // a frame lost now is asked for once until its resend is due back, then again
    const lost = seqAdd(base, 201);
    gaps.note(seqAdd(lost, 1), at, counter);
    const buffered = (seq: number): boolean => seq === seqAdd(lost, 1);
    expect(gaps.nack(at, lost, buffered)).toEqual([{ from: lost, to: lost }]);
    expect(gaps.nack(at + repeat - 1, lost, buffered)).toBeUndefined();
    expect(gaps.nack(at + repeat, lost, buffered)).toEqual([{ from: lost, to: lost }]);
  });

  it('takes no sample from a frame NACKed twice (Karn) nor from a late first transmission', () => {
    const gaps = new GapTracker(RETRY, 4096);
    gaps.note(10, 0, 10);
    gaps.note(12, 0, 12);
    const buffered = (seq: number): boolean => seq === 12;
    expect(gaps.nack(0, 11, buffered)).toEqual([{ from: 11, to: 11 }]);
    expect(gaps.nack(RETRY, 11, buffered)).toEqual([{ from: 11, to: 11 }]);
    expect(gaps.repeatMs(), 'backed off: the repeat found the resend not back yet').toBe(2 * RETRY);
    gaps.arrived(11, 130, 20); // a resend, but of which NACK?
    expect(gaps.repeatMs()).toBe(2 * RETRY);
    // 13 is NACKed once, and its first transmission (counter 13) turns up late: no repair
    gaps.note(14, 140, 21);
    expect(gaps.nack(140, 13, (seq) => seq === 14)).toEqual([{ from: 13, to: 13 }]);
    gaps.arrived(13, 150, 13);
    expect(gaps.repeatMs()).toBe(2 * RETRY);
    // 15, NACKed once (after the reorder delay 13 taught) and resent: a sample of 10 ms, which
    // brings the interval back to nackRetryMs
    gaps.note(16, 160, 22);
    expect(gaps.nack(160, 15, (seq) => seq === 16)).toBeUndefined();
    expect(gaps.nack(175, 15, (seq) => seq === 16)).toEqual([{ from: 15, to: 15 }]);
    gaps.arrived(15, 185, 23);
    expect(gaps.repeatMs()).toBe(RETRY);
  });

  it('forgets numbers skipped, and everything on reset', () => {
    const gaps = new GapTracker(RETRY, 4096);
    gaps.note(10, 0, 10);
    gaps.note(20, 0, 20);
    expect(gaps.nack(0, 11, NONE)).toEqual([{ from: 11, to: 20 }]);
    gaps.skipped(15);
    expect(gaps.nack(RETRY, 15, NONE)).toEqual([{ from: 15, to: 20 }]);
    gaps.arrived(15, RETRY + 150, 30);
    expect(gaps.repeatMs(), 'NACKed twice: no sample, and backed off').toBe(2 * RETRY);
    gaps.reset();
    expect(gaps.repeatMs()).toBe(RETRY);
    gaps.note(100, 1000, 40);
    gaps.note(102, 1000, 42);
    expect(gaps.nack(1000, 101, NONE)).toEqual([{ from: 101, to: 102 }]);
  });
});

describe('InboundStream', () => {
  it('NACKs a delayed gap on a later tick when no further frame comes', () => {
    const clock = new FakeClock(0);
    const sent: Message[] = [];
    const stream = new InboundStream({
      clock,
      options: resolveSyncOptions(),
      counters: emptySyncCounters(),
      cache: new FlowCache(),
      origin: 1,
      originEpoch: 7,
      onChange: undefined,
      send: (message) => sent.push(message),
    });
    const nacks = (): Message[] => sent.filter((m) => m.type === 'nack');
    stream.onJoin(100);
    stream.onData(101, [], false, 11);
    clock.advance(6);
    stream.onData(100, [], false, 10); // 6 ms late: a delay of 7.5 ms from now on
    expect(nacks(), 'NACKed at once, before any reordering was seen').toHaveLength(1);
    sent.length = 0;
    stream.onLastSeq(103, false, 13); // an ALIVE: 102 and 103 lost, nothing follows
    stream.tick(clock.now());
    expect(nacks()).toHaveLength(0);
    clock.advance(10);
    stream.tick(clock.now());
    expect(nacks()).toEqual([{ type: 'nack', target: 1, targetEpoch: 7, ranges: [{ from: 102, to: 103 }] }]);
  });
});
