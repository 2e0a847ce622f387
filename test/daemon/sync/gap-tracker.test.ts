// When a receiver NACKs (gap-tracker.ts): at once while no reordering was seen, after the reorder
// delay once it was, again after nackRetryMs; a resend arriving late is no reordering; across the
// 2^32 wrap; and, through an InboundStream, a delayed gap is NACKed by a tick when no further
// frame comes.
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
    // a later gap waits its own delay; the first one's retry still comes nackRetryMs after its NACK
    gaps.note(seqAdd(base, 8), 120, 18);
    expect(gaps.nack(125, expected, NONE)).toBeUndefined();
    expect(gaps.nack(130, expected, NONE)).toEqual([{ from: 4, to: 6 }]);
    expect(gaps.nack(110 + RETRY, expected, NONE)).toEqual([{ from: 1, to: 6 }]);
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
