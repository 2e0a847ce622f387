// Replication lag measured at the channel edge (daemon/src/runtime/lag-tracker.ts), pure logic:
// frames with a newer sequence number than any before are data frames and timed; other frames
// (control, resends) are not; an acknowledgement that moves a receiver forward yields one sample
// per frame it covers; a receiver that (re)joins yields none for what it skipped.
import { describe, expect, it } from 'vitest';
import type { Channel, FrameHandler } from '../../../daemon/src/channel/channel.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { LagTracker, type AckView } from '../../../daemon/src/runtime/lag-tracker.js';

function frame(seq: number): Uint8Array {
  const bytes = Buffer.alloc(44);
  bytes.write('HS', 0);
  bytes.writeUInt32BE(seq >>> 0, 16);
  return bytes;
}

function setup() {
  const clock = new FakeClock();
  const sent: Uint8Array[] = [];
  let deliver: FrameHandler = () => undefined;
  const inner: Channel = {
    send: (f) => void sent.push(f),
    sendOnEveryLink: (make) => void sent.push(make(0)),
    onMessage: (h) => void (deliver = h),
    onError: () => undefined,
    close: async () => undefined,
  };
  const tracker = new LagTracker(inner, clock);
  const receiver: { -readonly [K in keyof AckView]: AckView[K] } = { nodeId: 2, epoch: 1, joined: true, ackedUpTo: 0xfffffffe };
  tracker.watch(() => [receiver]);
  tracker.onMessage(() => true);
  const ack = (upTo: number) => {
    receiver.ackedUpTo = upTo >>> 0;
    deliver(new Uint8Array(0), '203.0.113.2');
  };
  return { clock, sent, tracker, receiver, ack };
}

describe('LagTracker', () => {
  it('times new data frames until their acknowledgement, across the sequence wrap', () => {
    const { clock, sent, tracker, ack } = setup();
    tracker.send(frame(0xfffffffe));
    ack(0xfffffffe);
    tracker.send(frame(0xffffffff));
    clock.advance(3);
    tracker.send(frame(0));
    tracker.send(frame(0));
    tracker.sendOnEveryLink(() => frame(0));
    clock.advance(2);
    ack(0);
    const snapshot = tracker.histogram.snapshot(clock.now());
    expect(snapshot.count).toBe(2);
    expect(snapshot.sum).toBe(5 + 2);
    expect(sent.length).toBe(5);
  });

  it('takes no samples for what a receiver skipped by joining', () => {
    const { clock, tracker, receiver, ack } = setup();
    ack(0xfffffffe);
    for (let seq = 0; seq < 10; seq++) tracker.send(frame(seq));
    receiver.joined = false;
    ack(0xfffffffe);
    receiver.joined = true;
    clock.advance(1);
    ack(9);
    expect(tracker.histogram.snapshot(clock.now()).count).toBe(0);
    tracker.send(frame(10));
    clock.advance(4);
    ack(10);
    expect(tracker.histogram.snapshot(clock.now())).toMatchObject({ count: 1, sum: 4 });
  });
});
