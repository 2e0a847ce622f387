// The body of a data frame: u8 type (1) then one or more stream entries, each starting with a u8
// kind (messages.ts EntryKind):
//   set          u8 table, u16 key length, key, u64 stateHash, u16 payload length, payload
//   delete       u8 table, u16 key length, key
//   resyncBegin  u32 job, scope (scope-codec.ts)
//   resyncEnd    u32 job, scope
//   digest       u8 bucketBits, u16 first bucket, u16 count, count x u64 bucket digest
//   setPacked    u8 length, the record's compact form (a set, written and read by the node's
//                RecordPacking: kernel/record-packing.ts for conntrack entries)
// DataBodyBuilder packs entries into one body up to a byte budget (the link MTU minus IP/UDP and
// the frame overhead), so a datagram carries as many records as fit; with a packing, a set goes
// in its compact form when the record has one.
import { Table } from '../model/record.js';
import type { FlowRecord } from '../model/record.js';
import { MAX_PACKED_BYTES, type RecordPacking } from '../model/record-packing.js';
import type { StreamEntry } from './messages.js';
import { EntryKind, MessageType } from './messages.js';
import { Reader } from './reader.js';
import { readScope, scopeBytes, writeScope } from './scope-codec.js';

/** Encoded size of one entry (of a set: unpacked, the most it takes). */
export function entryBytes(entry: StreamEntry): number {
  switch (entry.kind) {
    case 'set':
      return 14 + entry.record.key.byteLength + entry.record.payload.byteLength;
    case 'delete':
      return 4 + entry.key.byteLength;
    case 'resyncBegin':
    case 'resyncEnd':
      return 5 + scopeBytes(entry.scope);
    case 'digest':
      return 6 + 8 * entry.digests.length;
  }
}

export class DataBodyBuilder {
  private readonly buffer: Buffer;
  private length = 1;
  private entries = 0;

  constructor(
    readonly maxBodyBytes: number,
    private readonly packing?: RecordPacking,
  ) {
    // room behind the budget for a packed set written before its size is known
    this.buffer = Buffer.alloc(maxBodyBytes + (packing === undefined ? 0 : 2 + MAX_PACKED_BYTES));
    this.buffer[0] = MessageType.data;
  }

  get count(): number {
    return this.entries;
  }

  /** Whether an entry of `bytes` would still fit in this body. */
  fits(bytes: number): boolean {
    return this.length + bytes <= this.maxBodyBytes;
  }

  /** Appends an entry; false (nothing written) when it does not fit. */
  tryAdd(entry: StreamEntry): boolean {
    if (entry.kind === 'set' && this.packing !== undefined) {
      const start = this.length;
      const end = this.packing.pack(entry.record, this.buffer, start + 2);
      if (end >= 0 && end - start - 2 <= MAX_PACKED_BYTES) {
        if (end > this.maxBodyBytes) return false;
        this.buffer[start] = EntryKind.setPacked;
        this.buffer[start + 1] = end - start - 2;
        this.length = end;
        this.entries++;
        return true;
      }
    }
    if (!this.fits(entryBytes(entry))) return false;
    this.length = writeEntry(this.buffer, this.length, entry);
    this.entries++;
    return true;
  }

  /** The finished body (a copy); the builder is empty afterwards. */
  take(): Buffer {
    const body = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 1;
    this.entries = 0;
    return body;
  }
}

function writeEntry(target: Buffer, offset: number, entry: StreamEntry): number {
  let at = offset;
  switch (entry.kind) {
    case 'set': {
      const { record } = entry;
      at = target.writeUInt8(EntryKind.set, at);
      at = target.writeUInt8(record.table, at);
      at = target.writeUInt16BE(record.key.byteLength, at);
      target.set(record.key, at);
      at += record.key.byteLength;
      at = target.writeBigUInt64BE(BigInt.asUintN(64, record.stateHash), at);
      at = target.writeUInt16BE(record.payload.byteLength, at);
      target.set(record.payload, at);
      return at + record.payload.byteLength;
    }
    case 'delete':
      at = target.writeUInt8(EntryKind.delete, at);
      at = target.writeUInt8(entry.table, at);
      at = target.writeUInt16BE(entry.key.byteLength, at);
      target.set(entry.key, at);
      return at + entry.key.byteLength;
    case 'resyncBegin':
    case 'resyncEnd':
      at = target.writeUInt8(entry.kind === 'resyncBegin' ? EntryKind.resyncBegin : EntryKind.resyncEnd, at);
      at = target.writeUInt32BE(entry.job >>> 0, at);
      return writeScope(target, at, entry.scope);
    case 'digest':
      at = target.writeUInt8(EntryKind.digest, at);
      at = target.writeUInt8(entry.bucketBits, at);
      at = target.writeUInt16BE(entry.firstBucket, at);
      at = target.writeUInt16BE(entry.digests.length, at);
      for (const digest of entry.digests) at = target.writeBigUInt64BE(digest, at);
      return at;
  }
}

/**
 * Entries of a data body (after its type byte); undefined when malformed or empty, or when it
 * holds packed sets and there is no packing to read them.
 */
export function readEntries(reader: Reader, packing?: RecordPacking): StreamEntry[] | undefined {
  const entries: StreamEntry[] = [];
  while (reader.remaining > 0) {
    const entry = readEntry(reader, packing);
    if (entry === undefined) return undefined;
    entries.push(entry);
  }
  return entries.length === 0 ? undefined : entries;
}

function readEntry(reader: Reader, packing: RecordPacking | undefined): StreamEntry | undefined {
  const kind = reader.u8();
  switch (kind) {
    case EntryKind.setPacked: {
      const length = reader.u8();
      const packed = length === undefined ? undefined : reader.bytes(length);
      const record = packed === undefined ? undefined : packing?.unpack(packed, 0, packed.length);
      return record === undefined ? undefined : { kind: 'set', record };
    }
    case EntryKind.set: {
      const table = readTable(reader);
      const keyLength = reader.u16();
      const key = keyLength ? reader.bytes(keyLength) : undefined;
      const stateHash = reader.u64();
      const payloadLength = reader.u16();
      const payload = payloadLength === undefined ? undefined : reader.bytes(payloadLength);
      if (table === undefined || key === undefined || stateHash === undefined || payload === undefined) return undefined;
      // One copy for key and payload (records outlive the frame; one allocation, not two).
      const copy = new Uint8Array(key.length + payload.length);
      copy.set(key, 0);
      copy.set(payload, key.length);
      const record: FlowRecord = { table, key: copy.subarray(0, key.length), payload: copy.subarray(key.length), stateHash };
      return { kind: 'set', record };
    }
    case EntryKind.delete: {
      const table = readTable(reader);
      const keyLength = reader.u16();
      const key = keyLength ? reader.bytes(keyLength) : undefined;
      if (table === undefined || key === undefined) return undefined;
      return { kind: 'delete', table, key: new Uint8Array(key) };
    }
    case EntryKind.resyncBegin:
    case EntryKind.resyncEnd: {
      const job = reader.u32();
      const scope = job === undefined ? undefined : readScope(reader);
      if (job === undefined || scope === undefined) return undefined;
      return { kind: kind === EntryKind.resyncBegin ? 'resyncBegin' : 'resyncEnd', job, scope };
    }
    case EntryKind.digest: {
      const bucketBits = reader.u8();
      const firstBucket = reader.u16();
      const count = reader.u16();
      if (bucketBits === undefined || bucketBits > 16 || firstBucket === undefined || count === undefined) return undefined;
      if (firstBucket + count > 2 ** bucketBits) return undefined;
      const digests: bigint[] = [];
      for (let i = 0; i < count; i++) {
        const digest = reader.u64();
        if (digest === undefined) return undefined;
        digests.push(digest);
      }
      return { kind: 'digest', bucketBits, firstBucket, digests };
    }
    default:
      return undefined;
  }
}

function readTable(reader: Reader): Table | undefined {
  const value = reader.u8();
  return value === Table.conntrack || value === Table.expectation ? value : undefined;
}
