// A standby's requests for bucket repairs (inbound-stream.ts, stream-applier.ts): buckets whose
// digest differs are asked for, and asked again every joinRetryMs until a resync covering them
// begins (a request lost on the way left the stale entries of those buckets until the next
// anti-entropy round), a bounded number of times (an origin no longer the sender answers none).
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { emptySyncCounters } from '../../../daemon/src/sync/counters.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { InboundStream, REPAIR_REPEATS } from '../../../daemon/src/sync/inbound-stream.js';
import { resolveSyncOptions } from '../../../daemon/src/sync/options.js';
import type { Message } from '../../../daemon/src/wire/messages.js';

function standby() {
  const clock = new FakeClock(0);
  const options = resolveSyncOptions();
  const cache = new FlowCache();
  const sent: Message[] = [];
  const stream = new InboundStream({ clock, options, counters: emptySyncCounters(), cache, origin: 1, originEpoch: 7, onChange: undefined, send: (m) => sent.push(m) });
  stream.onJoin(100);
  // the origin's digest of bucket 3 differs from ours (empty): bucket 3 is to be repaired
  stream.onData(100, [{ kind: 'digest', bucketBits: cache.bucketBits, firstBucket: 3, digests: [12345n] }]);
  const requests = (): number[][] => sent.flatMap((m) => (m.type === 'syncRequest' && !m.scope.full ? [[...m.scope.buckets]] : []));
  const tickAfter = (ms: number): void => {
    clock.advance(ms);
    stream.tick(clock.now());
  };
  return { stream, options, requests, tickAfter };
}

describe('repair requests', () => {
  it('asks again until a resync covering the buckets begins, then no more', () => {
    const { stream, options, requests, tickAfter } = standby();
    tickAfter(1);
    expect(requests()).toEqual([[3]]);
    tickAfter(options.joinRetryMs - 2);
    expect(requests(), 'not before joinRetryMs').toHaveLength(1);
    tickAfter(2);
    expect(requests(), 'the first request was lost: asked again').toEqual([[3], [3]]);
    stream.onData(101, [{ kind: 'resyncBegin', job: 9, scope: { full: false, buckets: [3] } }]);
    for (let i = 0; i < 5; i++) tickAfter(options.joinRetryMs);
    expect(requests()).toHaveLength(2);
  });

  it('leaves a request nobody answers to anti-entropy after a bounded number of repeats', () => {
    const { options, requests, tickAfter } = standby();
    for (let i = 0; i < REPAIR_REPEATS + 10; i++) tickAfter(options.joinRetryMs);
    expect(requests()).toHaveLength(1 + REPAIR_REPEATS);
  });
});
