// The stale purge against a table that changes while it is dumped: an interrupted dump may have
// skipped entries, so the purge reads and purges again (a bounded number of passes), counting it.
// A purge no longer due (the node is MASTER again) stops between its slices of deletes.
import { describe, expect, it } from 'vitest';
import type { FlowFilter } from '../../../daemon/src/kernel/flow-filter.js';
import type { ApplyReport, DumpResult, KernelDumper, KernelWriter } from '../../../daemon/src/kernel/kernel-roles.js';
import { silentLogger } from '../../../daemon/src/metrics/logger.js';
import type { FlowRecord, RecordChange } from '../../../daemon/src/model/record.js';
import { MasterZones } from '../../../daemon/src/runtime/master-zones.js';
import { PURGE_PASSES, PURGE_SLICE, StalePurge } from '../../../daemon/src/runtime/stale-purge.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { makeConntrackRecord } from '../sync/sim-cluster.js';

const dump = <T>(entries: T[], interrupted: boolean): DumpResult<T> => ({ entries, filtered: 0, undecodable: interrupted ? 1 : 0, errors: [], interrupted });
const report = (deleted: number): ApplyReport => ({ results: [], created: 0, updated: 0, deleted, failed: 0, messages: 1, retries: 0, overruns: 0 }) as unknown as ApplyReport;

/** A table of `size` entries whose first `interruptions` dumps come back interrupted, missing half of what is left. */
function table(size: number, interruptions: number): { dumper: KernelDumper; writer: KernelWriter; left: () => number; dumps: () => number } {
  let records: FlowRecord[] = Array.from({ length: size }, (_, i) => makeConntrackRecord(i + 1, 1));
  let dumps = 0;
  const dumper = {
    async dumpConntrackRecords() {
      const interrupted = dumps++ < interruptions;
      return dump(interrupted ? records.slice(0, Math.ceil(records.length / 2)) : [...records], interrupted);
    },
    async dumpExpectations() {
      return dump([], false);
    },
  } as unknown as KernelDumper;
  const writer = {
    async apply() {
      return report(0);
    },
    async applyRecords(changes: readonly RecordChange[]) {
      const gone = new Set(changes.map((c) => (c.op === 'delete' ? Buffer.from(c.key).toString('hex') : '')));
      records = records.filter((r) => !gone.has(Buffer.from(r.key).toString('hex')));
      return report(changes.length);
    },
  } as unknown as KernelWriter;
  return { dumper, writer, left: () => records.length, dumps: () => dumps };
}

const quietly = { quietly: <T>(_reason: string, work: () => Promise<T>) => work() };

describe('StalePurge', () => {
  it('purges again after an interrupted dump, until a dump is whole', async () => {
    const t = table(100, 1);
    const purge = new StalePurge(t.dumper, t.writer, quietly, {} as FlowFilter, new MasterZones(), new FakeClock(0), silentLogger);
    expect(await purge.purge()).toMatchObject({ deleted: 100, failed: 0 });
    expect(t.left()).toBe(0);
    expect(purge.counters).toMatchObject({ purges: 1, deleted: 100, interruptedDumps: 1, undecodable: 1 });
  });

  it('stops after a bounded number of passes when every dump is interrupted', async () => {
    const t = table(100, Number.POSITIVE_INFINITY);
    const purge = new StalePurge(t.dumper, t.writer, quietly, {} as FlowFilter, new MasterZones(), new FakeClock(0), silentLogger);
    await purge.purge();
    expect(PURGE_PASSES).toBeGreaterThan(1);
    expect(t.dumps()).toBe(PURGE_PASSES);
    expect(purge.counters.interruptedDumps).toBe(PURGE_PASSES);
    expect(t.left()).toBeGreaterThan(0);
  });

  it('stops between slices of deletes once it is no longer due, and says so', async () => {
    const t = table(PURGE_SLICE * 3, 0);
    const purge = new StalePurge(t.dumper, t.writer, quietly, {} as FlowFilter, new MasterZones(), new FakeClock(0), silentLogger);
    let due = true;
    const writes = t.writer.applyRecords.bind(t.writer);
    t.writer.applyRecords = async (changes) => {
      const report = await writes(changes);
      due = false; // keepalived said MASTER while the first slice was written
      return report;
    };
    expect(await purge.purge(() => due)).toMatchObject({ deleted: PURGE_SLICE, stopped: true });
    expect(t.left()).toBe(PURGE_SLICE * 2);
    expect(purge.counters).toMatchObject({ purges: 1, deleted: PURGE_SLICE, stopped: 1 });
  });

  it('stops right after a dump once it is no longer due: a takeover waits for no second dump', async () => {
    const t = table(10, 0);
    const purge = new StalePurge(t.dumper, t.writer, quietly, {} as FlowFilter, new MasterZones(), new FakeClock(0), silentLogger);
    let due = true;
    let expectationDumps = 0;
    const entries = t.dumper.dumpConntrackRecords.bind(t.dumper);
    t.dumper.dumpConntrackRecords = async (options) => {
      const result = await entries(options);
      due = false; // keepalived said MASTER while the table was read
      return result;
    };
    t.dumper.dumpExpectations = async () => {
      expectationDumps++;
      return dump([], false);
    };
    expect(await purge.purge(() => due)).toMatchObject({ deleted: 0, stopped: true });
    expect(expectationDumps).toBe(0);
    expect(t.left()).toBe(10);
  });

  it('deletes nothing when it is no longer due as it starts', async () => {
    const t = table(10, 0);
    const purge = new StalePurge(t.dumper, t.writer, quietly, {} as FlowFilter, new MasterZones(), new FakeClock(0), silentLogger);
    expect(await purge.purge(() => false)).toMatchObject({ deleted: 0, stopped: true });
    expect(t.dumps()).toBe(0);
    expect(t.left()).toBe(10);
  });
});
