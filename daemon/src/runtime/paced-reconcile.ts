// Our table brought in line with a kernel dump, as a stream of ordinary local changes paced by
// the sync link: sets for what is new or changed, deletes for what the dump no longer has (the
// same result as SyncNode.reconcileTable). A dump after an event overrun can differ from what
// the peers hold by a hundred thousand entries; written into the stream all at once, that burst
// overflows the peers' socket buffers and turns into a storm of NACKs and resends. Here changes
// go out in slices, and the next slice waits while more than `maxInFlight` of our data frames
// are unacknowledged (the resend queue), so the link is kept full but never flooded.
// Keys that events touched meanwhile (they are newer than the dump) are left as the events set
// them, up to the end: the feed keeps collecting them until the reconcile is done.
// Nothing per entry is made on our side: every entry of the internal cache is marked first, each
// dumped record clears its entry's mark (held with the same state) or is set (which clears it
// too), and what is still marked at the end is what the dump lacks. A reconcile of 200k entries
// once spent ~3.5 us per entry on objects (a key set of the whole dump, a record per held entry).
import type { FlowCache } from '../cache/flow-cache.js';
import type { FlowRecord, RecordChange } from '../model/record.js';
import type { ReconcileResult } from '../sync/local-table.js';
import type { TouchedKeys } from './touched-keys.js';

export interface PacingDeps {
  readonly internal: FlowCache;
  readonly localChange: (change: RecordChange) => void;
  /** Our unacknowledged data frames (SyncNode.outbound.queue.length). */
  readonly inFlight: () => number;
  readonly maxInFlight: number;
  /** Keys events touched since the dump began (still growing while this runs). */
  readonly touched: TouchedKeys;
}

const SLICE = 256;
const WAIT_MS = 2;
/** Pacing is flow control, never a reason to stall: after this long without room, go on. */
const MAX_WAIT_MS = 2000;
/** The internal cache's mark of a paced reconcile (reconcileTable in sync/local-table.ts has its own; one reconcile runs at a time). */
const PACED_RECONCILE_TAG = 0xfffffffd;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}

async function room(deps: PacingDeps): Promise<void> {
  await pause(0);
  for (let waited = 0; deps.inFlight() > deps.maxInFlight && waited < MAX_WAIT_MS; waited += WAIT_MS) await pause(WAIT_MS);
}

export async function pacedReconcile(dumped: readonly FlowRecord[], deps: PacingDeps): Promise<ReconcileResult> {
  const { internal, touched } = deps;
  internal.mark({ full: true }, PACED_RECONCILE_TAG);
  let added = 0;
  let changed = 0;
  let removed = 0;
  let sent = 0;
  for (const record of dumped) {
    if (touched.size > 0 && touched.has(record.table, record.key)) continue;
    const held = internal.settle(record, PACED_RECONCILE_TAG);
    if (held === 'same') continue;
    if (held === 'absent') added++;
    else changed++;
    deps.localChange({ op: 'set', record });
    if (++sent % SLICE === 0) await room(deps);
  }
  for (let bucket = 0; bucket < internal.bucketCount; bucket++) {
    for (const { table, key } of internal.keysMarked(bucket, PACED_RECONCILE_TAG)) {
      // marked when this began and neither in the dump nor set since; an event may have
      // touched it during an earlier slice's wait (then it is the event's)
      if (touched.size > 0 && touched.has(table, key)) continue;
      if (!internal.has(table, key)) continue;
      removed++;
      deps.localChange({ op: 'delete', table, key });
      if (++sent % SLICE === 0) await room(deps);
    }
  }
  return { added, changed, removed };
}
