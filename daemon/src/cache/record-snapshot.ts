// A flow cache's entries at one moment, as IndexedRecords: where each entry's bytes are (the
// arena's chunks never change, and the snapshot holds on to them) and its table and stateHash,
// in typed arrays. A record object is made only when asked for, so a commit walking 200k entries
// keeps one at a time alive instead of 200k for V8's young generation to copy.
import type { FlowRecord, IndexedRecords, Table } from '../model/record.js';
import type { BucketScope } from './bucket-scope.js';
import { recordIn } from './record-arena.js';

export class RecordSnapshot implements IndexedRecords {
  readonly chunk: Uint32Array;
  /** Where the key starts; the payload follows it. */
  readonly start: Uint32Array;
  readonly keyLength: Uint16Array;
  readonly payloadLength: Uint32Array;
  readonly table: Uint8Array;
  readonly stateHi: Uint32Array;
  readonly stateLo: Uint32Array;
  /** Where each bucket's entries start (bucket order); one more than the buckets, the last is length. */
  readonly bucketStart: Uint32Array;

  constructor(
    readonly length: number,
    private readonly chunks: readonly (Buffer | undefined)[],
    bucketCount: number,
  ) {
    this.bucketStart = new Uint32Array(bucketCount + 1);
    this.chunk = new Uint32Array(length);
    this.start = new Uint32Array(length);
    this.keyLength = new Uint16Array(length);
    this.payloadLength = new Uint32Array(length);
    this.table = new Uint8Array(length);
    this.stateHi = new Uint32Array(length);
    this.stateLo = new Uint32Array(length);
  }

  at(index: number): FlowRecord | undefined {
    if (!(index >= 0 && index < this.length)) return undefined;
    const chunk = this.chunks[this.chunk[index] as number] as Buffer;
    return recordIn(chunk, this.start[index] as number, this.keyLength[index] as number, this.payloadLength[index] as number, this.table[index] as Table, this.stateHi[index] as number, this.stateLo[index] as number);
  }
}

/** The snapshot's entries in the buckets of `scope`, in bucket order. */
export function snapshotScope(snapshot: RecordSnapshot, scope: BucketScope): IndexedRecords {
  if (scope.full) return snapshot;
  const indices: number[] = [];
  for (const bucket of scope.buckets) {
    if (bucket + 1 >= snapshot.bucketStart.length) continue;
    for (let i = snapshot.bucketStart[bucket] as number; i < (snapshot.bucketStart[bucket + 1] as number); i++) indices.push(i);
  }
  return { length: indices.length, at: (index) => (index >= 0 && index < indices.length ? snapshot.at(indices[index] as number) : undefined) };
}

/** Several lists as one, in order. */
export function concatRecords(lists: readonly IndexedRecords[]): IndexedRecords {
  if (lists.length === 1) return lists[0] as IndexedRecords;
  const ends: number[] = [];
  let length = 0;
  for (const list of lists) ends.push((length += list.length));
  return {
    length,
    at(index: number): FlowRecord | undefined {
      let list = 0;
      while (list < lists.length && index >= (ends[list] as number)) list++;
      return lists[list]?.at(index - (list === 0 ? 0 : (ends[list - 1] as number)));
    },
  };
}
