// Changes of our own table (the internal cache), from the kernel layer: single events, or a whole
// dump to reconcile with (at start-up, or after the kernel reported lost events). The cache always
// follows; the stream carries the changes only while we are the sender, and only real changes
// (a dump entry with the stateHash we already hold is not sent again).
import { FULL_SCOPE } from '../cache/bucket-scope.js';
import type { FlowRecord, RecordChange } from '../model/record.js';
import type { OutboundDeps, OutboundStream } from './outbound-stream.js';

export interface ReconcileResult {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

/** Internal-cache mark used by reconcileTable (nothing else marks the internal cache). */
const RECONCILE_TAG = 0xfffffffe;

export function applyLocalChange(stream: OutboundStream, deps: OutboundDeps, change: RecordChange): void {
  const { cache, clock, nodeId } = deps;
  if (change.op === 'set') {
    cache.set(change.record, nodeId, clock.now());
    if (stream.role === 'sender') stream.appendRecord({ kind: 'set', record: change.record });
    return;
  }
  if (cache.delete(change.table, change.key) && stream.role === 'sender') stream.appendRecord({ kind: 'delete', table: change.table, key: change.key });
}

/**
 * `noted` hears each change the reconcile makes (a set of what is new or changed, a delete of what
 * the dump lacks), as the daemon's paced reconcile hands them to SyncNode.localChange.
 */
export function reconcileTable(stream: OutboundStream, deps: OutboundDeps, records: Iterable<FlowRecord>, noted?: (change: RecordChange) => void): ReconcileResult {
  const { cache, clock, nodeId } = deps;
  const now = clock.now();
  const streaming = stream.role === 'sender';
  cache.mark(FULL_SCOPE, RECONCILE_TAG);
  let added = 0;
  let changed = 0;
  for (const record of records) {
    const previous = cache.get(record.table, record.key)?.record.stateHash;
    cache.set(record, nodeId, now);
    if (previous === record.stateHash) continue;
    if (previous === undefined) added++;
    else changed++;
    noted?.({ op: 'set', record });
    if (streaming) stream.appendRecord({ kind: 'set', record });
  }
  const removed = cache.sweep(FULL_SCOPE, RECONCILE_TAG);
  for (const record of removed) {
    noted?.({ op: 'delete', table: record.table, key: record.key });
    if (streaming) stream.appendRecord({ kind: 'delete', table: record.table, key: record.key });
  }
  return { added, changed, removed: removed.length };
}
