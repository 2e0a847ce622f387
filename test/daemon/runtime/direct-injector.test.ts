// Direct mode's batching (daemon/src/runtime/direct-injector.ts), pure logic over a recording
// writer: changes that arrive together reach the kernel writer as one batch, with one change per
// key, the latest, so two changes to one flow can never be applied out of order; a set after a
// delete of its key (a new connection on a reused tuple) goes in the next batch, so that the
// kernel deletes the old entry and creates the new one rather than updating the old. (The writer
// itself is tested against the kernel in test/daemon/kernel/netlink-kernel-writer.test.ts, and
// direct mode end to end in test/daemon/integration/direct-mode.test.ts.)
import { describe, expect, it } from 'vitest';
import type { KernelWriter, RecordApplyReport } from '../../../daemon/src/kernel/kernel-roles.js';
import { createLogger } from '../../../daemon/src/metrics/logger.js';
import { Table, type FlowRecord, type RecordChange } from '../../../daemon/src/model/record.js';
import { DirectInjector, nextBatch } from '../../../daemon/src/runtime/direct-injector.js';

const record = (key: number, version: number): FlowRecord => ({ table: Table.conntrack, key: Uint8Array.of(2, 6, 0, 0, key), payload: Uint8Array.of(version), stateHash: BigInt(version) });
const set = (key: number, version: number): RecordChange => ({ op: 'set', record: record(key, version) });
const del = (key: number): RecordChange => ({ op: 'delete', table: Table.conntrack, key: Uint8Array.of(2, 6, 0, 0, key) });
const describeChange = (c: RecordChange): string => (c.op === 'set' ? `set ${c.record.key[4]} v${c.record.payload[0]}` : `delete ${c.key[4]}`);

/** Every batch nextBatch makes of `queue`, in order. */
function batchesOf(queue: readonly RecordChange[]): string[][] {
  const out: string[][] = [];
  for (let rest = [...queue]; rest.length > 0; ) {
    const next = nextBatch(rest);
    out.push(next.batch.map(describeChange));
    rest = next.rest;
  }
  return out;
}

describe('nextBatch', () => {
  it('keeps the last change of each key, in the order of those last changes', () => {
    expect(batchesOf([set(1, 1), set(3, 1), set(1, 2), del(3), set(2, 5), del(1)])).toEqual([['delete 3', 'set 2 v5', 'delete 1']]);
  });

  it('writes a set that follows a delete of its key in the next batch: the delete first, then a create', () => {
    expect(batchesOf([set(1, 1), del(2), set(1, 2), set(3, 1), set(2, 5), del(1)])).toEqual([
      ['delete 2', 'set 1 v2', 'set 3 v1'],
      ['set 2 v5', 'delete 1'],
    ]);
    expect(batchesOf([del(7), set(7, 2), del(7), set(7, 3)])).toEqual([['delete 7'], ['delete 7'], ['set 7 v3']]);
  });

  it('tells tables apart and leaves a batch without repeats as it is', () => {
    const expectation: RecordChange = { op: 'set', record: { ...record(1, 9), table: Table.expectation } };
    const queue = [del(1), expectation, set(2, 1)];
    expect(nextBatch(queue)).toEqual({ batch: queue, rest: [] });
  });
});

describe('DirectInjector', () => {
  it('hands a burst to the writer in batches with one change per key, a flow created again after its delete', async () => {
    const batches: RecordChange[][] = [];
    const writer = {
      port: 1,
      applyRecords: async (changes: readonly RecordChange[]): Promise<RecordApplyReport> => {
        batches.push([...changes]);
        return { results: [], created: changes.length, replaced: 0, updated: 0, deleted: 0, failed: 0, messages: changes.length, retries: 0, overruns: 0, undecodable: [] };
      },
    } as unknown as KernelWriter;
    const injector = new DirectInjector(writer, createLogger({ write: () => undefined }));
    // a flow destroyed and created again, and another updated twice, in one turn of the event loop
    for (const change of [del(7), set(7, 2), set(8, 1), set(8, 2)]) injector.onChange(1, change);
    await injector.whenIdle();
    expect(batches.map((b) => b.map(describeChange))).toEqual([['delete 7'], ['set 7 v2', 'set 8 v2']]);
    expect(injector.counters).toMatchObject({ changes: 4, writes: 2, failed: 0 });
  });
});
