// Records straight from scanned attribute bytes (codec/ct-scan.ts): the key, the replica payload
// and its state hash written byte for byte as toRecord(decodeConntrackMessage(…)) would, but
// without the ConntrackEntry in between: no strings for addresses, no parsing them back, no
// objects per tuple. The event hot path uses it for NEW and DESTROY events, and to fold an UPDATE
// event into the record we hold (mergeEntry semantics: what the event reports replaces, the rest
// is kept). Anything the scanner leaves to the slow path (helpers, labels, masters, DCCP state)
// takes the ordinary way: undefined here.
//
// Key and payload share one piece of a 64 KiB slab, sized before anything is written (no
// copies). A slab stays alive while any piece of it does, which is harmless because these records
// are short-lived: the flow cache copies what it keeps (cache/record-arena.ts), the sync stream
// copies into its frames. (While the cache kept the records themselves, each had a buffer of its
// own: one long-lived slice would have kept a whole slab.)
//
// Layouts: record-mapping.ts (payload), record-key.ts (key); canonical attribute order:
// encodeReplicaAttrs and encodeTuple in codec/ct-encode.ts and codec/ct-tuple.ts.
import type { FlowRecord } from '../model/record.js';
import { Table } from '../model/record.js';
import { Cta, CtaIp, CtaProto, CtaProtoinfo, CtaProtoinfoSctp, CtaProtoinfoTcp, CtaSeqAdj, CtaSynproxy, CtaTuple } from './codec/ctnetlink-attr.js';
import { CtScan, Extra, ScanExtras, type TupleScan } from './codec/ct-scan.js';
import { IpProto } from './ct-entry.js';
import { PAYLOAD_HEADER, PAYLOAD_VERSION } from './record-mapping.js';
import { fnv1a64 } from './state-hash.js';

const NESTED = 0x8000;
/** Where payloads are written: the record's piece of a slab, at `pos`. */
const EMPTY = Buffer.alloc(0);
let out: Buffer = EMPTY;
let pos = 0;
const previousScan = new CtScan();
/** The extras of a merged record (the update's parts, else the held ones). */
const mergedExtras = new ScanExtras();
/** What the last record was written from (that record packs from it: record-packing.ts). */
const written = new CtScan();
let writtenRecord: FlowRecord | undefined;
const SLAB_BYTES = 64 * 1024;
let slab: Buffer = EMPTY;
let slabPos = 0;

/** `length` bytes of the current slab (a new slab when it is used up), 8-byte aligned. */
function carve(length: number): Buffer {
  if (slabPos + length > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, length));
    slabPos = 0;
  }
  const bytes = slab.subarray(slabPos, slabPos + length);
  slabPos = (slabPos + length + 7) & ~7;
  return bytes;
}

/** The record key of a scanned entry (conntrackKey). */
export function scanKey(s: CtScan): Uint8Array {
  const key = new Uint8Array(4 + 2 * s.addrLen + 4);
  writeKey(key, 0, s);
  return key;
}

/** The record of a scanned NEW (or any full) event: toRecord of its decoded entry. */
export function scanRecord(s: CtScan): FlowRecord {
  return remembered(s, s.status < 0 ? 0 : s.status, s.hasProtoinfo ? s : undefined, s.mark, s.timeout, s.extras);
}

/**
 * The record after a scanned UPDATE event, given the payload we hold for its key: toRecord of
 * mergeEntry(fromRecord(previous), update). Undefined when the held payload needs the slow path.
 */
export function mergedScanRecord(update: CtScan, previous: Uint8Array): FlowRecord | undefined {
  if (previous.length < PAYLOAD_HEADER || previous[0] !== PAYLOAD_VERSION || previous[1] !== update.family) return undefined;
  const held = Buffer.isBuffer(previous) ? previous : Buffer.from(previous.buffer, previous.byteOffset, previous.byteLength);
  const p = previousScan;
  if (!p.attributes(held, PAYLOAD_HEADER, held.length, update.family)) return undefined;
  const status = update.status >= 0 ? update.status : p.status < 0 ? 0 : p.status;
  // mergeEntry: the update's protoinfo replaces the held one whole
  const info = update.hasProtoinfo ? update : p.hasProtoinfo ? p : undefined;
  mergedExtras.merge(update.extras, p.extras);
  return remembered(update, status, info, update.mark >= 0 ? update.mark : p.mark, update.timeout >= 0 ? update.timeout : p.timeout, mergedExtras);
}

/**
 * The record of a scan whose state hash is known (a packed record's, record-packing.ts: the
 * sender's hash of the same bytes), without hashing them again.
 */
export function hashedScanRecord(s: CtScan, stateHash: bigint): FlowRecord {
  return record(s, s.status < 0 ? 0 : s.status, s.hasProtoinfo ? s : undefined, s.mark, s.timeout, s.extras, stateHash);
}

/** Key and payload in one buffer, sized first and written in place. */
function record(s: CtScan, status: number, info: CtScan | undefined, mark: number, timeout: number, extras: ScanExtras, stateHash?: bigint): FlowRecord {
  const keyLength = 4 + 2 * s.addrLen + 4;
  const bytes = carve(keyLength + payloadLength(s, info, mark, timeout, extras));
  writeKey(bytes, 0, s);
  const stateEnd = writePayload(bytes, keyLength, s, status, info, mark, timeout, extras);
  const payload = bytes.subarray(keyLength);
  return { table: Table.conntrack, key: bytes.subarray(0, keyLength), payload, stateHash: stateHash ?? fnv1a64(payload, 0, stateEnd - keyLength) };
}

/**
 * record(), remembering what it was written from: the event path's record is packed for the sync
 * stream right after (a receiver's unpacked records, which never are, skip the copy).
 */
function remembered(s: CtScan, status: number, info: CtScan | undefined, mark: number, timeout: number, extras: ScanExtras): FlowRecord {
  const made = record(s, status, info, mark, timeout, extras);
  written.detach(s, status, info, mark, timeout, extras);
  writtenRecord = made;
  return made;
}

/** The scan `record` was written from, when it is the last record written here (the event path's, just made). */
export function writtenFrom(record: FlowRecord): CtScan | undefined {
  return writtenRecord === record ? written : undefined;
}

/** The length of what scanRecord(s) writes: its key, then its payload. */
export function scannedRecordLength(s: CtScan): number {
  return 4 + 2 * s.addrLen + 4 + payloadLength(s, s.hasProtoinfo ? s : undefined, s.mark, s.timeout, s.extras);
}

/**
 * Writes scanRecord(s)'s key and payload into target[0, scannedRecordLength(s)) (a check of a
 * record's bytes against the canonical ones, record-packing.ts).
 */
export function writeScannedRecord(target: Buffer, s: CtScan): void {
  writeKey(target, 0, s);
  writePayload(target, 4 + 2 * s.addrLen + 4, s, s.status < 0 ? 0 : s.status, s.hasProtoinfo ? s : undefined, s.mark, s.timeout, s.extras);
}

function tupleLength(t: TupleScan, addrLen: number): number {
  // nest, ip nest with two addresses, proto nest with the number and up to three more u8/u16,
  // then the zone of this direction when it has one
  let n = 4 + 4 + 2 * (4 + addrLen) + 4 + 8 + (t.zone >= 0 ? 8 : 0);
  if (t.proto === IpProto.icmp || t.proto === IpProto.icmpv6) n += (t.icmpId >= 0 ? 8 : 0) + (t.icmpType >= 0 ? 8 : 0) + (t.icmpCode >= 0 ? 8 : 0);
  else n += (t.sport >= 0 ? 8 : 0) + (t.dport >= 0 ? 8 : 0);
  return n;
}

/** A nest of three u32 values: its header and three attributes of 8 bytes. */
const TRIPLE_BYTES = 4 + 3 * 8;

function payloadLength(s: CtScan, info: CtScan | undefined, mark: number, timeout: number, extras: ScanExtras): number {
  let n = PAYLOAD_HEADER + tupleLength(s.orig, s.addrLen) + tupleLength(s.reply, s.addrLen) + 8;
  if (info?.tcp === true) {
    n += 8 + 8 + (info.wscaleOrig >= 0 ? 8 : 0) + (info.wscaleReply >= 0 ? 8 : 0) + (info.flagsOrig >= 0 ? 8 : 0) + (info.flagsReply >= 0 ? 8 : 0);
  } else if (info?.sctp === true) {
    n += 8 + 8 + 8 + 8; // two nests, the state, both verification tags (always written: encodeProtoinfo)
  }
  n += (extras.seqAdjOrig ? TRIPLE_BYTES : 0) + (extras.seqAdjReply ? TRIPLE_BYTES : 0) + (extras.synproxy ? TRIPLE_BYTES : 0);
  return n + (mark >= 0 ? 8 : 0) + (s.zone !== 0 ? 8 : 0) + (timeout >= 0 ? 8 : 0);
}

function writeKey(key: Uint8Array, at: number, s: CtScan): void {
  const t = s.orig;
  const zone = t.zone >= 0 ? t.zone : s.zone; // the original direction's (record-key.ts)
  key[at] = s.family;
  key[at + 1] = t.proto;
  key[at + 2] = zone >> 8;
  key[at + 3] = zone & 0xff;
  const n = s.addrLen;
  for (let i = 0; i < n; i++) {
    key[at + 4 + i] = s.buf[t.src + i] as number;
    key[at + 4 + n + i] = s.buf[t.dst + i] as number;
  }
  const l4 = at + 4 + 2 * n;
  if (t.proto === IpProto.icmp || t.proto === IpProto.icmpv6) {
    const id = t.icmpId < 0 ? 0 : t.icmpId;
    key[l4] = t.icmpType < 0 ? 0 : t.icmpType;
    key[l4 + 1] = t.icmpCode < 0 ? 0 : t.icmpCode;
    key[l4 + 2] = id >> 8;
    key[l4 + 3] = id & 0xff;
  } else {
    const sport = t.sport < 0 ? 0 : t.sport;
    const dport = t.dport < 0 ? 0 : t.dport;
    key[l4] = sport >> 8;
    key[l4 + 1] = sport & 0xff;
    key[l4 + 2] = dport >> 8;
    key[l4 + 3] = dport & 0xff;
  }
}

/** Writes the payload at target[at] (tuples from `s`); returns where the state ends (before the timeout). */
function writePayload(target: Buffer, at: number, s: CtScan, status: number, info: CtScan | undefined, mark: number, timeout: number, extras: ScanExtras): number {
  out = target;
  out[at] = PAYLOAD_VERSION;
  out[at + 1] = s.family;
  out[at + 2] = 0;
  out[at + 3] = 0;
  pos = at + PAYLOAD_HEADER;
  writeTuple(Cta.tupleOrig, s.orig, s);
  writeTuple(Cta.tupleReply, s.reply, s);
  u32(Cta.status, status);
  if (info?.tcp === true) {
    const outer = begin(Cta.protoinfo);
    const inner = begin(CtaProtoinfo.tcp);
    u8(CtaProtoinfoTcp.state, info.tcpState);
    if (info.wscaleOrig >= 0) u8(CtaProtoinfoTcp.wscaleOriginal, info.wscaleOrig);
    if (info.wscaleReply >= 0) u8(CtaProtoinfoTcp.wscaleReply, info.wscaleReply);
    if (info.flagsOrig >= 0) flags(CtaProtoinfoTcp.flagsOriginal, info.flagsOrig);
    if (info.flagsReply >= 0) flags(CtaProtoinfoTcp.flagsReply, info.flagsReply);
    end(inner);
    end(outer);
  } else if (info?.sctp === true) {
    const outer = begin(Cta.protoinfo);
    const inner = begin(CtaProtoinfo.sctp);
    u8(CtaProtoinfoSctp.state, info.sctpState);
    u32(CtaProtoinfoSctp.vtagOriginal, info.vtagOrig < 0 ? 0 : info.vtagOrig);
    u32(CtaProtoinfoSctp.vtagReply, info.vtagReply < 0 ? 0 : info.vtagReply);
    end(inner);
    end(outer);
  }
  if (mark >= 0) u32(Cta.mark, mark);
  if (s.zone !== 0) u16(Cta.zone, s.zone);
  // encodeReplicaAttrs' order: labels and helper (never scanned) come between the zone and these
  if (extras.seqAdjOrig) triple(Cta.seqAdjOrig, extras, Extra.seqAdjOrig, CtaSeqAdj.correctionPos, CtaSeqAdj.offsetBefore, CtaSeqAdj.offsetAfter);
  if (extras.seqAdjReply) triple(Cta.seqAdjReply, extras, Extra.seqAdjReply, CtaSeqAdj.correctionPos, CtaSeqAdj.offsetBefore, CtaSeqAdj.offsetAfter);
  if (extras.synproxy) triple(Cta.synproxy, extras, Extra.synproxy, CtaSynproxy.isn, CtaSynproxy.its, CtaSynproxy.tsoff);
  const stateEnd = pos;
  if (timeout >= 0) u32(Cta.timeout, timeout);
  out = EMPTY; // the record's buffer is not kept here
  return stateEnd;
}

function triple(type: number, extras: ScanExtras, at: number, a: number, b: number, c: number): void {
  const nest = begin(type);
  u32(a, extras.v[at] as number);
  u32(b, extras.v[at + 1] as number);
  u32(c, extras.v[at + 2] as number);
  end(nest);
}

function writeTuple(type: number, t: TupleScan, s: CtScan): void {
  const outer = begin(type);
  const ip = begin(CtaTuple.ip);
  const v4 = s.addrLen === 4;
  address(v4 ? CtaIp.v4Src : CtaIp.v6Src, s.buf, t.src, s.addrLen);
  address(v4 ? CtaIp.v4Dst : CtaIp.v6Dst, s.buf, t.dst, s.addrLen);
  end(ip);
  const proto = begin(CtaTuple.proto);
  u8(CtaProto.num, t.proto);
  if (t.proto === IpProto.icmp || t.proto === IpProto.icmpv6) {
    const v6 = t.proto === IpProto.icmpv6;
    if (t.icmpId >= 0) u16(v6 ? CtaProto.icmpv6Id : CtaProto.icmpId, t.icmpId);
    if (t.icmpType >= 0) u8(v6 ? CtaProto.icmpv6Type : CtaProto.icmpType, t.icmpType);
    if (t.icmpCode >= 0) u8(v6 ? CtaProto.icmpv6Code : CtaProto.icmpCode, t.icmpCode);
  } else {
    if (t.sport >= 0) u16(CtaProto.srcPort, t.sport);
    if (t.dport >= 0) u16(CtaProto.dstPort, t.dport);
  }
  end(proto);
  if (t.zone >= 0) u16(CtaTuple.zone, t.zone);
  end(outer);
}

function header(type: number, length: number): void {
  out[pos] = length & 0xff;
  out[pos + 1] = length >> 8;
  out[pos + 2] = type & 0xff;
  out[pos + 3] = type >> 8;
  pos += 4;
}

function begin(type: number): number {
  const at = pos;
  header(type | NESTED, 0);
  return at;
}

function end(at: number): void {
  const length = pos - at;
  out[at] = length & 0xff;
  out[at + 1] = length >> 8;
}

/** A 4-byte big-endian value (with `bytes` significant bytes first, the rest zero padding). */
function word(a: number, b: number, c: number, d: number): void {
  out[pos] = a;
  out[pos + 1] = b;
  out[pos + 2] = c;
  out[pos + 3] = d;
  pos += 4;
}

function u8(type: number, value: number): void {
  header(type, 5);
  word(value, 0, 0, 0);
}

function u16(type: number, value: number): void {
  header(type, 6);
  word(value >> 8, value & 0xff, 0, 0);
}

function u32(type: number, value: number): void {
  header(type, 8);
  word((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/** struct nf_ct_tcp_flags as dumped: { flags, mask 0 }, padded. */
function flags(type: number, value: number): void {
  header(type, 6);
  word(value, 0, 0, 0);
}

function address(type: number, buf: Buffer, at: number, length: number): void {
  header(type, 4 + length);
  for (let i = 0; i < length; i++) out[pos + i] = buf[at + i] as number;
  pos += length;
}
