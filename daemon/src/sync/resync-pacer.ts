// The bulk parts of a sender's stream, paced so they never starve live changes: resync records
// go out at most at `resyncRecordsPerSecond` (token bucket) and only while the resend queue is
// below `resyncQueueShare` of its size; anti-entropy digests of every bucket go out together at
// one point of the stream, so a receiver compares them after exactly the same changes.
import type { OutboundDeps, OutboundStream } from './outbound-stream.js';
import { maxBodyBytes } from './options.js';

/** Token bucket of the running resync job (burst: 50 ms worth of records). */
export class ResyncPacer {
  private tokens = 0;

  run(stream: OutboundStream, deps: OutboundDeps, elapsedMs: number): void {
    const job = stream.planner.job;
    const { options, counters, cache } = deps;
    if (job === undefined) {
      this.tokens = 0;
      return;
    }
    const rate = options.resyncRecordsPerSecond;
    this.tokens = Math.min(this.tokens + (rate * elapsedMs) / 1000, Math.max(1, rate / 20));
    const room = stream.resyncRoom;
    const length = job.frozen?.length ?? job.keys.length;
    while (this.tokens >= 1 && job.index < length && stream.queue.length < room) {
      const at = job.index++;
      const next = job.keys[at];
      const record = job.frozen !== undefined ? job.frozen.at(at) : next === undefined ? undefined : cache.get(next.table, next.key)?.record;
      if (record === undefined) continue;
      if (!stream.appendRecord({ kind: 'set', record })) continue;
      this.tokens -= 1;
      counters.resyncRecordsSent++;
    }
    if (job.index >= length && stream.queue.length < room) {
      stream.append({ kind: 'resyncEnd', job: job.id, scope: job.scope }, job.scope);
      // flushed while the job is current: a handover's last frame is marked as the others are
      stream.flush();
      stream.planner.end();
    }
  }
}

export function emitDigests(stream: OutboundStream, deps: OutboundDeps): void {
  const { cache, counters, options } = deps;
  const perEntry = Math.max(1, Math.floor((maxBodyBytes(options) - 1 - 6) / 8));
  for (let first = 0; first < cache.bucketCount; first += perEntry) {
    const count = Math.min(perEntry, cache.bucketCount - first);
    const digests: bigint[] = [];
    for (let bucket = first; bucket < first + count; bucket++) digests.push(cache.bucketDigest(bucket));
    stream.append({ kind: 'digest', bucketBits: cache.bucketBits, firstBucket: first, digests });
  }
  stream.flush();
  counters.digestsSent++;
}
