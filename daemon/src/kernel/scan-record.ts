// Records straight from scanned attribute bytes (codec/ct-scan.ts): the key, the replica payload
// and its state hash written byte for byte as toRecord(decodeConntrackMessage(…)) would, but
// without the ConntrackEntry in between: no strings for addresses, no parsing them back, no
// objects per tuple. The event hot path uses it for NEW and DESTROY events, and to fold an UPDATE
// event into the record we hold (mergeEntry semantics: what the event reports replaces, the rest
// is kept). Anything the scanner leaves to the slow path (helpers, labels, sequence adjustments,
// masters, SCTP/DCCP state) takes the ordinary way: undefined here.
//
// Layouts: record-mapping.ts (payload), record-key.ts (key); canonical attribute order:
// encodeReplicaAttrs and encodeTuple in codec/ct-encode.ts and codec/ct-tuple.ts.
import type { FlowRecord } from '../model/record.js';
import { Table } from '../model/record.js';
import { Cta, CtaIp, CtaProto, CtaProtoinfo, CtaProtoinfoTcp, CtaTuple } from './codec/ctnetlink-attr.js';
import { CtScan, type TupleScan } from './codec/ct-scan.js';
import { IpProto } from './ct-entry.js';
import { PAYLOAD_HEADER, PAYLOAD_VERSION } from './record-mapping.js';
import { fnv1a64 } from './state-hash.js';

const NESTED = 0x8000;
/** Larger than any fast-path payload (two IPv6 ICMP tuples and every other attribute: ~260 bytes). */
const out = Buffer.alloc(1024);
let pos = 0;
const previousScan = new CtScan();

/** The record key of a scanned entry (conntrackKey). */
export function scanKey(s: CtScan): Uint8Array {
  const key = new Uint8Array(4 + 2 * s.addrLen + 4);
  writeKey(key, 0, s);
  return key;
}

/** The record of a scanned NEW (or any full) event: toRecord of its decoded entry. */
export function scanRecord(s: CtScan): FlowRecord {
  const stateEnd = writePayload(s, s.status < 0 ? 0 : s.status, s.tcp ? s : undefined, s.mark, s.timeout);
  return finish(s, stateEnd);
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
  const tcp = update.tcp ? update : p.tcp ? p : undefined;
  const stateEnd = writePayload(update, status, tcp, update.mark >= 0 ? update.mark : p.mark, update.timeout >= 0 ? update.timeout : p.timeout);
  return finish(update, stateEnd);
}

function finish(s: CtScan, stateEnd: number): FlowRecord {
  const keyLength = 4 + 2 * s.addrLen + 4;
  const bytes = Buffer.allocUnsafe(keyLength + pos);
  writeKey(bytes, 0, s);
  out.copy(bytes, keyLength, 0, pos);
  const payload = bytes.subarray(keyLength);
  return { table: Table.conntrack, key: bytes.subarray(0, keyLength), payload, stateHash: fnv1a64(payload, 0, stateEnd) };
}

function writeKey(key: Uint8Array, at: number, s: CtScan): void {
  const t = s.orig;
  key[at] = s.family;
  key[at + 1] = t.proto;
  key[at + 2] = s.zone >> 8;
  key[at + 3] = s.zone & 0xff;
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

/** Writes the payload into `out` (tuples from `s`); returns where the state ends (before the timeout). */
function writePayload(s: CtScan, status: number, tcp: CtScan | undefined, mark: number, timeout: number): number {
  out[0] = PAYLOAD_VERSION;
  out[1] = s.family;
  out[2] = 0;
  out[3] = 0;
  pos = PAYLOAD_HEADER;
  writeTuple(Cta.tupleOrig, s.orig, s);
  writeTuple(Cta.tupleReply, s.reply, s);
  u32(Cta.status, status);
  if (tcp !== undefined) {
    const outer = begin(Cta.protoinfo);
    const inner = begin(CtaProtoinfo.tcp);
    u8(CtaProtoinfoTcp.state, tcp.tcpState);
    if (tcp.wscaleOrig >= 0) u8(CtaProtoinfoTcp.wscaleOriginal, tcp.wscaleOrig);
    if (tcp.wscaleReply >= 0) u8(CtaProtoinfoTcp.wscaleReply, tcp.wscaleReply);
    if (tcp.flagsOrig >= 0) flags(CtaProtoinfoTcp.flagsOriginal, tcp.flagsOrig);
    if (tcp.flagsReply >= 0) flags(CtaProtoinfoTcp.flagsReply, tcp.flagsReply);
    end(inner);
    end(outer);
  }
  if (mark >= 0) u32(Cta.mark, mark);
  if (s.zone !== 0) u16(Cta.zone, s.zone);
  const stateEnd = pos;
  if (timeout >= 0) u32(Cta.timeout, timeout);
  return stateEnd;
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

function u8(type: number, value: number): void {
  header(type, 5);
  out.writeUInt32BE(value * 0x1000000, pos);
  pos += 4;
}

function u16(type: number, value: number): void {
  header(type, 6);
  out.writeUInt32BE(value * 0x10000, pos);
  pos += 4;
}

function u32(type: number, value: number): void {
  header(type, 8);
  out.writeUInt32BE(value, pos);
  pos += 4;
}

/** struct nf_ct_tcp_flags as dumped: { flags, mask 0 }, padded. */
function flags(type: number, value: number): void {
  header(type, 6);
  out.writeUInt32BE(value * 0x1000000, pos);
  pos += 4;
}

function address(type: number, buf: Buffer, at: number, length: number): void {
  header(type, 4 + length);
  buf.copy(out, pos, at, at + length);
  pos += length;
}
