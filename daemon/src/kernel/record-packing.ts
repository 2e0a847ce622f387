// The compact form of conntrack records on the sync link. A record's payload is ctnetlink
// attributes (record-mapping.ts), four bytes of header per value and padding to four bytes, and
// its key repeats the original tuple: some 200 bytes per IPv4 TCP flow on the wire. Packed, the
// same record is its flags, state hash, key and the values alone (the reply tuple, status, TCP
// state, mark, timeout: 50 bytes for an IPv4 TCP flow without a mark), and a 1,500-byte datagram
// carries 27 records instead of 7: the sender seals and sends, and the receiver opens, a fourth
// as many datagrams.
//
// Only records whose bytes are exactly what scanRecord would write for their values pack. The
// record the event path has just written packs from what it was written from (scan-record.ts keeps
// a detached copy of that scan); any other has its payload scanned (codec/ct-scan.ts), and the
// canonical record of the scan written and compared with it, key and payload. The receiver turns
// the values back into a scan and writes the record with the same writer (scan-record.ts), so it
// holds the sender's bytes exactly, and the sender's state hash with them (anti-entropy compares
// hashes). Anything else (helpers, labels, DCCP state, a tuple without ports) travels as it is.
//
// Wire version 3 (version 2 had no extension byte: 0x01 of the flags said IPv6, which the key's
// family byte says as well, and SCTP state, sequence adjustments, SYNPROXY state and zones of one
// direction travelled unpacked):
//
//   u8 flags: 0x01 extension byte follows, 0x02 TCP state, 0x04 / 0x08 window scale original /
//             reply, 0x10 / 0x20 TCP flags original / reply, 0x40 mark, 0x80 timeout
//   u8 extension (when flagged, never 0): 0x01 SCTP state, 0x02 / 0x04 sequence adjustment
//             original / reply, 0x08 SYNPROXY state, 0x10 the original tuple's zone is the
//             key's (a zone of that direction alone; the entry's own zone is then 0), 0x20 the
//             reply tuple has a zone of its own
//   u64 state hash
//   key (record-key.ts: family (2 or 10: addresses of 4 or 16 bytes), protocol, zone, original tuple)
//   reply source, reply destination (4 or 16 bytes each)
//   reply ports (u16 source, u16 destination) or ICMP (u8 type, u8 code, u16 id)
//   u32 status
//   TCP: u8 state, then each present of u8 window scale original, reply, u8 flags original, reply
//   SCTP: u8 state, u32 verification tag original, u32 reply
//   each present of: sequence adjustment original, reply (u32 correction position, offset before,
//   offset after), SYNPROXY state (u32 ISN, timestamp, timestamp offset), u16 reply tuple's zone
//   u32 mark, u32 timeout (when present)
import type { FlowRecord } from '../model/record.js';
import { Table } from '../model/record.js';
import type { RecordPacking } from '../model/record-packing.js';
import { AddressFamily } from './codec/nfnetlink.js';
import { CtScan, Extra, type ScanExtras, type TupleScan } from './codec/ct-scan.js';
import { PAYLOAD_HEADER, PAYLOAD_VERSION } from './record-mapping.js';
import { IpProto } from './ct-entry.js';
import { hashedScanRecord, scannedRecordLength, writeScannedRecord, writtenFrom } from './scan-record.js';

const Flag = { ext: 0x01, tcp: 0x02, wscaleOrig: 0x04, wscaleReply: 0x08, flagsOrig: 0x10, flagsReply: 0x20, mark: 0x40, timeout: 0x80 } as const;
const Ext = { sctp: 0x01, seqAdjOrig: 0x02, seqAdjReply: 0x04, synproxy: 0x08, origZone: 0x10, replyZone: 0x20 } as const;
const TCP_OPTIONS = Flag.wscaleOrig | Flag.wscaleReply | Flag.flagsOrig | Flag.flagsReply;
const KNOWN_EXT = 0x3f;

const scanned = new CtScan();
const rebuilt = new CtScan();
/** The canonical bytes of a scanned record, compared with the record's own (an IPv6 one is under 400). */
const canonical = Buffer.alloc(1024);
const hash = Buffer.alloc(8);

const isIcmp = (proto: number): boolean => proto === IpProto.icmp || proto === IpProto.icmpv6;

/** Whether a tuple has every layer-4 value (ports, or ICMP type, code and id). */
function complete(t: TupleScan): boolean {
  return isIcmp(t.proto) ? t.icmpType >= 0 && t.icmpCode >= 0 && t.icmpId >= 0 : t.sport >= 0 && t.dport >= 0;
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function same(a: Buffer, start: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[start + i] !== b[i]) return false;
  return true;
}

/**
 * What a record whose bytes are exactly the writer's was written from: the event path's record
 * just made, or the scan of its payload, written again and compared.
 */
function scanOf(record: FlowRecord): CtScan | undefined {
  const made = writtenFrom(record);
  if (made !== undefined) return made;
  const { key, payload } = record;
  const family = payload[1];
  if (payload.length < PAYLOAD_HEADER || payload[0] !== PAYLOAD_VERSION || (family !== AddressFamily.inet && family !== AddressFamily.inet6)) return undefined;
  const s = scanned;
  if (!s.attributes(view(payload), PAYLOAD_HEADER, payload.length, family)) return undefined;
  if (scannedRecordLength(s) !== key.length + payload.length) return undefined;
  writeScannedRecord(canonical, s);
  return same(canonical, 0, key) && same(canonical, key.length, payload) ? s : undefined;
}

export const conntrackPacking: RecordPacking = {
  pack(record: FlowRecord, target: Uint8Array, at: number): number {
    if (record.table !== Table.conntrack) return -1;
    const s = scanOf(record);
    // a zone of the original direction is the key's; with a zone of both directions beside it
    // (which the kernel never reports: it refuses the two on one entry) the record goes unpacked
    if (s === undefined || s.orig.proto !== s.reply.proto || !complete(s.orig) || !complete(s.reply) || (s.orig.zone >= 0 && s.zone !== 0)) return -1;
    const { key } = record;
    const x = s.extras;
    const ext = (s.sctp ? Ext.sctp : 0) | (x.seqAdjOrig ? Ext.seqAdjOrig : 0) | (x.seqAdjReply ? Ext.seqAdjReply : 0) | (x.synproxy ? Ext.synproxy : 0) |
      (s.orig.zone >= 0 ? Ext.origZone : 0) | (s.reply.zone >= 0 ? Ext.replyZone : 0);
    let flags = ext !== 0 ? Flag.ext : 0;
    if (s.tcp) {
      flags |= Flag.tcp;
      if (s.wscaleOrig >= 0) flags |= Flag.wscaleOrig;
      if (s.wscaleReply >= 0) flags |= Flag.wscaleReply;
      if (s.flagsOrig >= 0) flags |= Flag.flagsOrig;
      if (s.flagsReply >= 0) flags |= Flag.flagsReply;
    }
    if (s.mark >= 0) flags |= Flag.mark;
    if (s.timeout >= 0) flags |= Flag.timeout;
    let pos = at;
    target[pos++] = flags;
    if (ext !== 0) target[pos++] = ext;
    hash.writeBigUInt64BE(BigInt.asUintN(64, record.stateHash));
    target.set(hash, pos);
    pos += 8;
    target.set(key, pos);
    pos += key.length;
    const n = s.addrLen;
    const r = s.reply;
    for (let i = 0; i < n; i++) target[pos + i] = s.buf[r.src + i] as number;
    for (let i = 0; i < n; i++) target[pos + n + i] = s.buf[r.dst + i] as number;
    pos += 2 * n;
    if (isIcmp(r.proto)) {
      target[pos] = r.icmpType;
      target[pos + 1] = r.icmpCode;
      target[pos + 2] = r.icmpId >> 8;
      target[pos + 3] = r.icmpId & 0xff;
    } else {
      target[pos] = r.sport >> 8;
      target[pos + 1] = r.sport & 0xff;
      target[pos + 2] = r.dport >> 8;
      target[pos + 3] = r.dport & 0xff;
    }
    // the writer writes an absent status as 0 (a checked payload has one)
    pos = u32(target, pos + 4, s.status < 0 ? 0 : s.status);
    if (s.tcp) {
      target[pos++] = s.tcpState;
      if (s.wscaleOrig >= 0) target[pos++] = s.wscaleOrig;
      if (s.wscaleReply >= 0) target[pos++] = s.wscaleReply;
      if (s.flagsOrig >= 0) target[pos++] = s.flagsOrig;
      if (s.flagsReply >= 0) target[pos++] = s.flagsReply;
    } else if (s.sctp) {
      target[pos++] = s.sctpState;
      pos = u32(target, pos, s.vtagOrig < 0 ? 0 : s.vtagOrig);
      pos = u32(target, pos, s.vtagReply < 0 ? 0 : s.vtagReply);
    }
    if (x.seqAdjOrig) pos = triple(target, pos, x, Extra.seqAdjOrig);
    if (x.seqAdjReply) pos = triple(target, pos, x, Extra.seqAdjReply);
    if (x.synproxy) pos = triple(target, pos, x, Extra.synproxy);
    if (s.reply.zone >= 0) {
      target[pos++] = s.reply.zone >> 8;
      target[pos++] = s.reply.zone & 0xff;
    }
    if (s.mark >= 0) pos = u32(target, pos, s.mark);
    if (s.timeout >= 0) pos = u32(target, pos, s.timeout);
    return pos;
  },

  unpack(source: Uint8Array, at: number, end: number): FlowRecord | undefined {
    const bytes = view(source);
    if (end > bytes.length || end - at < 2) return undefined;
    const flags = bytes[at] as number;
    const ext = flags & Flag.ext ? (bytes[at + 1] as number) : 0;
    if (flags & Flag.ext && (ext === 0 || ext & ~KNOWN_EXT)) return undefined;
    if (!(flags & Flag.tcp) && flags & TCP_OPTIONS) return undefined;
    if (flags & Flag.tcp && ext & Ext.sctp) return undefined;
    const hashAt = at + (flags & Flag.ext ? 2 : 1);
    const key = hashAt + 8;
    if (key >= end) return undefined;
    const family = bytes[key] as number;
    if (family !== AddressFamily.inet && family !== AddressFamily.inet6) return undefined;
    const n = family === AddressFamily.inet6 ? 16 : 4;
    const keyLength = 4 + 2 * n + 4;
    const tcpBytes = flags & Flag.tcp ? 1 + bits(flags & TCP_OPTIONS) : 0;
    const extBytes = (ext & Ext.sctp ? 9 : 0) + 12 * bits(ext & (Ext.seqAdjOrig | Ext.seqAdjReply | Ext.synproxy)) + (ext & Ext.replyZone ? 2 : 0);
    const length = key - at + keyLength + 2 * n + 4 + 4 + tcpBytes + extBytes + (flags & Flag.mark ? 4 : 0) + (flags & Flag.timeout ? 4 : 0);
    if (end - at !== length) return undefined;
    const stateHash = bytes.readBigUInt64BE(hashAt);

    const s = rebuilt;
    s.buf = bytes;
    s.family = bytes[key] as number;
    s.addrLen = n;
    const keyZone = ((bytes[key + 2] as number) << 8) | (bytes[key + 3] as number);
    const proto = bytes[key + 1] as number;
    tuple(s.orig, bytes, key + 4, n, proto);
    tuple(s.reply, bytes, key + keyLength, n, proto);
    // the key's zone is the original direction's: of that direction alone, or the entry's
    if (ext & Ext.origZone) {
      s.orig.zone = keyZone;
      s.zone = 0;
    } else s.zone = keyZone;
    let pos = key + keyLength + 2 * n + 4;
    s.status = bytes.readUInt32BE(pos);
    pos += 4;
    s.tcp = (flags & Flag.tcp) !== 0;
    s.tcpState = s.wscaleOrig = s.wscaleReply = s.flagsOrig = s.flagsReply = -1;
    s.sctp = (ext & Ext.sctp) !== 0;
    s.sctpState = s.vtagOrig = s.vtagReply = -1;
    if (s.tcp) {
      s.tcpState = bytes[pos++] as number;
      if (flags & Flag.wscaleOrig) s.wscaleOrig = bytes[pos++] as number;
      if (flags & Flag.wscaleReply) s.wscaleReply = bytes[pos++] as number;
      if (flags & Flag.flagsOrig) s.flagsOrig = bytes[pos++] as number;
      if (flags & Flag.flagsReply) s.flagsReply = bytes[pos++] as number;
    } else if (s.sctp) {
      s.sctpState = bytes[pos] as number;
      s.vtagOrig = bytes.readUInt32BE(pos + 1);
      s.vtagReply = bytes.readUInt32BE(pos + 5);
      pos += 9;
    }
    const x = s.extras;
    x.seqAdjOrig = (ext & Ext.seqAdjOrig) !== 0;
    x.seqAdjReply = (ext & Ext.seqAdjReply) !== 0;
    x.synproxy = (ext & Ext.synproxy) !== 0;
    if (x.seqAdjOrig) pos = readTriple(bytes, pos, x, Extra.seqAdjOrig);
    if (x.seqAdjReply) pos = readTriple(bytes, pos, x, Extra.seqAdjReply);
    if (x.synproxy) pos = readTriple(bytes, pos, x, Extra.synproxy);
    if (ext & Ext.replyZone) {
      s.reply.zone = bytes.readUInt16BE(pos);
      pos += 2;
    }
    s.mark = -1;
    s.timeout = -1;
    if (flags & Flag.mark) {
      s.mark = bytes.readUInt32BE(pos);
      pos += 4;
    }
    if (flags & Flag.timeout) s.timeout = bytes.readUInt32BE(pos);
    return hashedScanRecord(s, stateHash);
  },
};

/** A tuple whose addresses are at bytes[at] and bytes[at + n], followed by its four layer-4 bytes. */
function tuple(t: TupleScan, bytes: Buffer, at: number, n: number, proto: number): void {
  t.reset();
  t.src = at;
  t.dst = at + n;
  t.proto = proto;
  const l4 = at + 2 * n;
  const first = bytes[l4] as number;
  const second = bytes[l4 + 1] as number;
  const last = ((bytes[l4 + 2] as number) << 8) | (bytes[l4 + 3] as number);
  if (isIcmp(proto)) {
    t.icmpType = first;
    t.icmpCode = second;
    t.icmpId = last;
  } else {
    t.sport = (first << 8) | second;
    t.dport = last;
  }
}

function u32(target: Uint8Array, at: number, value: number): number {
  target[at] = (value >>> 24) & 0xff;
  target[at + 1] = (value >>> 16) & 0xff;
  target[at + 2] = (value >>> 8) & 0xff;
  target[at + 3] = value & 0xff;
  return at + 4;
}

/** Three u32 values of `x` (a sequence adjustment, SYNPROXY state) from v[at]; where they end. */
function triple(target: Uint8Array, pos: number, x: ScanExtras, at: number): number {
  return u32(target, u32(target, u32(target, pos, x.v[at] as number), x.v[at + 1] as number), x.v[at + 2] as number);
}

function readTriple(bytes: Buffer, pos: number, x: ScanExtras, at: number): number {
  x.v[at] = bytes.readUInt32BE(pos);
  x.v[at + 1] = bytes.readUInt32BE(pos + 4);
  x.v[at + 2] = bytes.readUInt32BE(pos + 8);
  return pos + 12;
}

function bits(value: number): number {
  let count = 0;
  for (let v = value; v !== 0; v &= v - 1) count++;
  return count;
}
