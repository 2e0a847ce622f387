// StreamApplier against resync scopes an honest origin never sends (a review's authentic but
// corrupt frames): buckets beyond the cache's, and a resync whose end never comes. Neither may
// turn anti-entropy off for good, nor count as a full resync.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import { emptySyncCounters } from '../../../daemon/src/sync/counters.js';
import { OPEN_RESYNC_MAX_MS, StreamApplier } from '../../../daemon/src/sync/stream-applier.js';
import { makeRecord } from './sim-cluster.js';

const BITS = 4;

function applier() {
  const cache = new FlowCache({ bucketBits: BITS });
  const counters = emptySyncCounters();
  return { cache, counters, applier: new StreamApplier(cache, 1, counters, undefined) };
}

/** A digest entry that differs from the copy in every bucket (the origin holds one more entry). */
function differingDigest() {
  const origin = new FlowCache({ bucketBits: BITS });
  for (let id = 1; id <= 64; id++) origin.set(makeRecord(id, 1), 1, 0);
  return { kind: 'digest' as const, bucketBits: BITS, firstBucket: 0, digests: Array.from({ length: origin.bucketCount }, (_, b) => origin.bucketDigest(b)) };
}

describe('StreamApplier', () => {
  it('begins no resync for buckets beyond its own, and keeps comparing digests', () => {
    const { applier: a, counters } = applier();
    a.apply([{ kind: 'resyncBegin', job: 0xdead_beef, scope: { full: false, buckets: [65535] } }], 0, 1);
    expect(a.fullResyncOpen).toBe(false);
    a.apply([differingDigest()], 10, 2);
    expect(counters.digestMismatches).toBeGreaterThan(0);
    expect(Math.max(...a.repair), 'no bucket beyond the cache is asked for').toBeLessThan(1 << BITS);
    // digests running past the last bucket compare what is there, and ask for nothing beyond
    const { applier: b } = applier();
    b.apply([{ kind: 'digest', bucketBits: BITS, firstBucket: (1 << BITS) - 2, digests: [1n, 2n, 3n, 4n] }], 0, 1);
    expect([...b.repair]).toEqual([(1 << BITS) - 2, (1 << BITS) - 1]);
  });

  it('counts a list of every bucket number as a full resync only when every bucket is its own', () => {
    const { applier: a } = applier();
    const count = 1 << BITS;
    const buckets = [...Array.from({ length: count - 1 }, (_, i) => i), count]; // one short, and one beyond
    a.apply([{ kind: 'resyncBegin', job: 77, scope: { full: false, buckets } }], 0, 1);
    a.apply([{ kind: 'resyncEnd', job: 77, scope: { full: false, buckets } }], 0, 2);
    expect(a.resynced).toBe(false);
    const all = Array.from({ length: count }, (_, i) => i);
    a.apply([{ kind: 'resyncBegin', job: 78, scope: { full: false, buckets: all } }], 0, 3);
    a.apply([{ kind: 'resyncEnd', job: 78, scope: { full: false, buckets: all } }], 0, 4);
    expect(a.resynced).toBe(true);
  });

  it('forgets a resync whose end never came after OPEN_RESYNC_MAX_MS, repairs its buckets, and compares again', () => {
    const { applier: a, counters } = applier();
    a.apply([{ kind: 'resyncBegin', job: 5, scope: { full: false, buckets: [3] } }], 0, 1);
    a.apply([differingDigest()], OPEN_RESYNC_MAX_MS, 2);
    expect(counters.digestMismatches, 'while it may still end, digests wait').toBe(0);
    expect(a.repair.size).toBe(0);
    a.apply([differingDigest()], OPEN_RESYNC_MAX_MS + 1, 3);
    expect(a.repair.has(3)).toBe(true);
    expect(counters.digestMismatches).toBeGreaterThan(0);
  });
});
