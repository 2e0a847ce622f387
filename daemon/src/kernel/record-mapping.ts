// Conntrack entries and expectations <-> the sync layer's FlowRecords (daemon/src/model/record.ts).
//
//   key      conntrack: family, protocol, zone, original tuple (addresses, ports or ICMP
//            type/code/id), fixed width; expectation: the same for the expected tuple, then
//            the mask's addresses and ports. Equal flows give equal keys on every node.
//   payload  version byte (1), family byte (2 or 10), two reserved zero bytes (attributes stay
//            4-byte aligned), then the canonical ctnetlink attributes (encodeReplicaAttrs in
//            codec/ct-encode.ts, encodeExpectationReplicaAttrs) with the timeout last; an
//            expectation's may hold one attribute of our own, REPLICA_MASTER_REPLY_ZONE.
//   stateHash  FNV-1a 64 of the payload up to the timeout: timeout, counters, id and use never
//            change it.
//
// Records describe whole entries: fold an UPDATE event into the previous entry (mergeEntry)
// before making its record, or the peer would create the flow without the parts the event
// left out (protoinfo, labels, helper, master).
import type { FlowRecord, RecordChange } from '../model/record.js';
import { Table } from '../model/record.js';
import type { ConntrackEntry, Expectation, Family } from './ct-entry.js';
import { decodeConntrackAttrs } from './codec/ct-decode.js';
import { encodeReplicaAttrs } from './codec/ct-encode.js';
import { decodeExpectationAttrs, encodeExpectationReplicaAttrs } from './codec/exp-codec.js';
import { fail, type DecodeResult } from './codec/decode-result.js';
import { AttrWriter } from './codec/netlink-attr.js';
import type { KernelOp } from './kernel-roles.js';
import { conntrackKey, expectationKey, keyToObject, type KernelObject } from './record-key.js';
import { fnv1a64 } from './state-hash.js';

export const PAYLOAD_VERSION = 1;
/** Bytes before the attributes in a payload. */
export const PAYLOAD_HEADER = 4;
const HEADER = PAYLOAD_HEADER;

/**
 * Whether a payload's head is one this node reads (its version, an address family): the writers'
 * fast paths, which send a replica's attributes without decoding them, check it as fromRecord does.
 */
export function payloadHeadReadable(p: Uint8Array): boolean {
  return p.length >= HEADER && p[0] === PAYLOAD_VERSION && (p[1] === 2 || p[1] === 10);
}

const writer = new AttrWriter(4096);

/** The record of a conntrack entry. Throws EntryEncodeError on unencodable addresses. */
export function toRecord(entry: ConntrackEntry): FlowRecord {
  writer.reset();
  writeHead(writer, entry.family);
  const stateEnd = encodeReplicaAttrs(writer, entry);
  const payload = writer.take();
  return { table: Table.conntrack, key: conntrackKey(entry), payload, stateHash: fnv1a64(payload, 0, stateEnd) };
}

export function expectationToRecord(x: Expectation): FlowRecord {
  writer.reset();
  writeHead(writer, x.family);
  const stateEnd = encodeExpectationReplicaAttrs(writer, x);
  const payload = writer.take();
  return { table: Table.expectation, key: expectationKey(x), payload, stateHash: fnv1a64(payload, 0, stateEnd) };
}

/** The entry or expectation a record carries; a failed result for foreign or damaged payloads. */
export function fromRecord(record: Pick<FlowRecord, 'table' | 'payload'>): DecodeResult<KernelObject> {
  const p = record.payload;
  if (p.length < HEADER) return fail('record payload shorter than its header');
  if (p[0] !== PAYLOAD_VERSION) return fail(`record payload version ${p[0]}, this node reads version ${PAYLOAD_VERSION}`);
  const family: Family | undefined = p[1] === 2 ? 'ipv4' : p[1] === 10 ? 'ipv6' : undefined;
  if (family === undefined) return fail(`record payload of address family ${p[1]}`);
  const buf = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  if (record.table === Table.conntrack) {
    const r = decodeConntrackAttrs(buf, HEADER, buf.length, family);
    return r.ok ? { ok: true, value: { table: 'conntrack', entry: r.value } } : r;
  }
  if (record.table === Table.expectation) {
    const r = decodeExpectationAttrs(buf, HEADER, buf.length, family);
    return r.ok ? { ok: true, value: { table: 'expectation', expectation: r.value } } : r;
  }
  return fail(`record of unknown table ${String(record.table)}`);
}

/** The kernel operation that applies `change` (deletes need only the key). */
export function opFromChange(change: RecordChange): DecodeResult<KernelOp> {
  const r = change.op === 'set' ? fromRecord(change.record) : keyToObject(change.table, change.key);
  if (!r.ok) return r;
  const o = r.value;
  if (change.op === 'set') return { ok: true, value: o.table === 'conntrack' ? { op: 'set', entry: o.entry } : { op: 'set-expectation', expectation: o.expectation } };
  return { ok: true, value: o.table === 'conntrack' ? { op: 'delete', entry: o.entry } : { op: 'delete-expectation', expectation: o.expectation } };
}

/** The kernel operations that apply `changes`; records that do not decode are returned apart. */
export function opsFromChanges(changes: readonly RecordChange[]): { ops: KernelOp[]; undecodable: { index: number; error: string }[] } {
  const ops: KernelOp[] = [];
  const undecodable: { index: number; error: string }[] = [];
  changes.forEach((change, index) => {
    const r = opFromChange(change);
    if (r.ok) ops.push(r.value);
    else undecodable.push({ index, error: r.error });
  });
  return { ops, undecodable };
}

function writeHead(w: AttrWriter, family: Family): void {
  w.ensure(4);
  w.buf[w.pos++] = PAYLOAD_VERSION;
  w.buf[w.pos++] = family === 'ipv4' ? 2 : 10;
  w.buf[w.pos++] = 0;
  w.buf[w.pos++] = 0;
}

export type { KernelObject };
