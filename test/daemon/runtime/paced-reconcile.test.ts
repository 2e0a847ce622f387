// Reconciling our table with a dump as paced local changes (daemon/src/runtime/paced-reconcile.ts),
// pure logic over a real FlowCache: only differences become changes (sets for new and changed
// entries, deletes for entries the dump lacks), keys touched by events are left alone even when
// touched while the reconcile runs, and slices wait while too many frames are in flight.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import type { RecordChange } from '../../../daemon/src/model/record.js';
import { TouchedKeys } from '../../../daemon/src/runtime/kernel-feed.js';
import { pacedReconcile } from '../../../daemon/src/runtime/paced-reconcile.js';
import { syntheticEntries } from '../kernel/helpers/synthetic-flows.js';

function harness(inFlight: () => number = () => 0) {
  const internal = new FlowCache();
  const changes: RecordChange[] = [];
  const localChange = (c: RecordChange) => {
    changes.push(c);
    if (c.op === 'set') internal.set(c.record, 1, 0);
    else internal.delete(c.table, c.key);
  };
  return { internal, changes, localChange, touched: new TouchedKeys(), inFlight, maxInFlight: 8 };
}

describe('pacedReconcile', () => {
  it('turns only the differences into changes', async () => {
    const h = harness();
    const [same, changed, gone, fresh] = syntheticEntries(4) as [ConntrackEntry, ConntrackEntry, ConntrackEntry, ConntrackEntry];
    for (const e of [same, changed, gone]) h.internal.set(toRecord(e), 1, 0);
    const result = await pacedReconcile([toRecord(same), toRecord({ ...changed, mark: 5 }), toRecord(fresh)], h);
    expect(result).toEqual({ added: 1, changed: 1, removed: 1 });
    expect(h.changes.map((c) => c.op).sort()).toEqual(['delete', 'set', 'set']);
    expect(h.internal.size).toBe(3);
  });

  it('leaves keys touched by events alone, also those touched while it runs', async () => {
    const h = harness();
    const entries = syntheticEntries(600);
    const late = entries[599] as ConntrackEntry;
    const early = toRecord(entries[0] as ConntrackEntry);
    h.touched.add(early.table, early.key);
    setImmediate(() => {
      const r = toRecord(late);
      h.touched.add(r.table, r.key);
    });
    const result = await pacedReconcile(entries.map(toRecord), h);
    expect(result.added).toBe(598);
    expect(h.internal.size).toBe(598);
  });

  it('deletes what the dump lacks, over every bucket and several slices, but not what an event set meanwhile', async () => {
    const h = harness();
    const records = syntheticEntries(1500).map(toRecord);
    for (const r of records) h.internal.set(r, 1, 0);
    const fresh = toRecord(syntheticEntries(1, { start: 5000 })[0] as ConntrackEntry);
    setImmediate(() => {
      // an event between slices: a new entry the dump could not have seen
      h.touched.add(fresh.table, fresh.key);
      h.internal.set(fresh, 1, 0);
    });
    const result = await pacedReconcile(records.slice(0, 500), h);
    expect(result).toEqual({ added: 0, changed: 0, removed: 1000 });
    expect(h.internal.size).toBe(501);
    expect(h.internal.get(fresh.table, fresh.key)).toBeDefined();
    for (const r of records.slice(0, 500)) expect(h.internal.get(r.table, r.key)).toBeDefined();
  });

  it('waits while more frames than allowed are unacknowledged', async () => {
    let inFlight = 100;
    const h = harness(() => inFlight);
    const done = pacedReconcile(syntheticEntries(1000).map(toRecord), h);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.changes.length).toBe(256);
    inFlight = 0;
    await done;
    expect(h.changes.length).toBe(1000);
  });
});
