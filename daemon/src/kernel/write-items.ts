// What the writer sends for each op: its traits (for the plan) and what to encode requests
// from. Record changes become items here: a conntrack set whose payload allows it is encoded
// straight from the payload bytes (codec/replica-commit.ts) when it is created; any other
// request decodes the record to an entry or expectation first (once, on demand).
import type { RecordChange } from '../model/record.js';
import { Table } from '../model/record.js';
import type { OpTraits, RequestKind } from './commit-plan.js';
import { traitsOf } from './commit-plan.js';
import { encodeRequest } from './commit-request.js';
import type { CommitOptions } from './codec/ct-encode.js';
import type { AttrWriter } from './codec/netlink-attr.js';
import { encodeCreateFromReplica, replicaFastPath, scanReplica, type ReplicaScan } from './codec/replica-commit.js';
import { EntryEncodeError } from './errors.js';
import type { KernelOp } from './kernel-roles.js';
import { fromRecord, opFromChange, PAYLOAD_HEADER, payloadHeadReadable } from './record-mapping.js';

export interface WriteItem {
  readonly traits: OpTraits;
  /** The op, or undefined while a replica item has not needed decoding. */
  op: KernelOp | undefined;
  readonly replica?: { readonly payload: Uint8Array; readonly scan: ReplicaScan };
}

export function itemOf(op: KernelOp): WriteItem {
  return { traits: traitsOf(op), op };
}

/** Encodes the request `kind` for `item`; throws EntryEncodeError when it cannot. */
export function encodeItem(w: AttrWriter, item: WriteItem, kind: RequestKind, seq: number, commit: CommitOptions): void {
  const replica = item.replica;
  if (replica !== undefined && kind === 'create') {
    const { payload, scan } = replica;
    encodeCreateFromReplica(w, payload[1] as number, payload, PAYLOAD_HEADER, payload.length, scan, seq, 0, commit.tcp);
    return;
  }
  if (item.op === undefined && replica !== undefined) {
    const decoded = fromRecord({ table: Table.conntrack, payload: replica.payload });
    if (!decoded.ok) throw new EntryEncodeError(`record does not decode: ${decoded.error}`);
    if (decoded.value.table !== 'conntrack') throw new EntryEncodeError('record is not a conntrack entry');
    item.op = { op: 'set', entry: decoded.value.entry };
  }
  encodeRequest(w, item.op as KernelOp, kind, seq, commit);
}

export interface ChangeItems {
  readonly items: { readonly index: number; readonly item: WriteItem }[];
  readonly undecodable: { readonly index: number; readonly error: string }[];
}

export function itemsFromChanges(changes: readonly RecordChange[]): ChangeItems {
  const items: { index: number; item: WriteItem }[] = [];
  const undecodable: { index: number; error: string }[] = [];
  changes.forEach((change, index) => {
    const fast = change.op === 'set' && change.record.table === Table.conntrack ? replicaItem(change.record.payload) : undefined;
    if (fast !== undefined) {
      items.push({ index, item: fast });
      return;
    }
    const op = opFromChange(change);
    if (op.ok) items.push({ index, item: itemOf(op.value) });
    else undecodable.push({ index, error: op.error });
  });
  return { items, undecodable };
}

function replicaItem(payload: Uint8Array): WriteItem | undefined {
  if (!payloadHeadReadable(payload)) return undefined; // fromRecord says why
  const scan = scanReplica(payload, PAYLOAD_HEADER, payload.length);
  if (scan === undefined || !replicaFastPath(scan)) return undefined;
  return { traits: { op: 'set', hasMaster: scan.hasMaster, hasTimeout: false, hasLabels: scan.hasLabels, hasHelper: scan.hasHelper }, op: undefined, replica: { payload, scan } };
}
