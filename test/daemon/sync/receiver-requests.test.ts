// A sender's answer to NACKs (receiver-requests.ts), on a real outbound stream: what a NACK asks
// for is sent again, and a range whose ends are 2^31 apart (serial order undefined: an authentic
// but corrupt NACK) costs no more than a walk of the resend queue.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { emptySyncCounters } from '../../../daemon/src/sync/counters.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { resolveSyncOptions } from '../../../daemon/src/sync/options.js';
import { OutboundStream, type OutboundDeps } from '../../../daemon/src/sync/outbound-stream.js';
import { answerNack } from '../../../daemon/src/sync/receiver-requests.js';
import { seqAdd } from '../../../daemon/src/sync/serial.js';
import { makeRecord } from './sim-cluster.js';

const RECEIVER = 2;

function senderWithFrames(frames: number, initialSeq: number) {
  const resent: number[] = [];
  const deps: OutboundDeps = {
    clock: new FakeClock(0),
    options: resolveSyncOptions(),
    counters: emptySyncCounters(),
    cache: new FlowCache(),
    nodeId: 1,
    initialSeq,
    role: 'sender',
    transport: { sendData: (seq) => resent.push(seq), sendControl: () => undefined },
  };
  const stream = new OutboundStream(deps);
  // a receiver that acknowledged nothing yet: the queue keeps every frame for it
  stream.receivers.join(stream.receivers.heard(RECEIVER, 7, 0, stream.lastSeq), initialSeq, 0);
  for (let i = 0; i < frames; i++) {
    stream.appendRecord({ kind: 'set', record: makeRecord(i + 1, 1) });
    stream.flush();
  }
  expect(stream.queue.length).toBe(frames);
  resent.length = 0;
  // every look into the queue counted; far more than it holds means a walk the queue does not bound
  let gets = 0;
  const get = stream.queue.get.bind(stream.queue);
  stream.queue.get = (seq: number) => {
    if (++gets > 10 * stream.queue.length) throw new Error(`answerNack looked up ${gets} sequence numbers in a queue of ${stream.queue.length}`);
    return get(seq);
  };
  return { stream, deps, resent };
}

describe('answerNack', () => {
  it('sends again what a NACK asks for, across the wrap of the sequence space', () => {
    const { stream, deps, resent } = senderWithFrames(8, 0xffff_fffc);
    answerNack(stream, deps, RECEIVER, [{ from: 0xffff_fffe, to: 1 }]);
    expect(resent).toEqual([0xffff_fffe, 0xffff_ffff, 0, 1]);
    expect(deps.counters.resentFrames).toBe(4);
  });

  it('sends each queued frame once per NACK, however many of its ranges name it', () => {
    const { stream, deps, resent } = senderWithFrames(8, 100);
    const oldest = stream.queue.oldest?.seq as number;
    answerNack(stream, deps, RECEIVER, Array.from({ length: 64 }, () => ({ from: oldest, to: stream.lastSeq })));
    expect(resent).toEqual(Array.from({ length: 8 }, (_, i) => oldest + i));
    answerNack(stream, deps, RECEIVER, [{ from: oldest + 2, to: oldest + 4 }, { from: oldest, to: oldest + 3 }]);
    expect(resent.slice(8)).toEqual([oldest + 2, oldest + 3, oldest + 4, oldest, oldest + 1]);
  });

  it.each([
    ['from our last sequence number', 0],
    ['from just past it', 1],
  ])('walks no further than the queue for a range 2^31 long %s', (_, offset) => {
    const { stream, deps, resent } = senderWithFrames(8, 100);
    const from = seqAdd(stream.lastSeq, offset);
    answerNack(stream, deps, RECEIVER, [{ from, to: seqAdd(stream.lastSeq, 0x8000_0000) }]);
    expect(resent).toEqual(offset === 0 ? [stream.lastSeq] : []);
  });
});
