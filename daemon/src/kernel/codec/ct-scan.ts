// The fast path of conntrack messages: the attributes of a message (an event, or a record's
// replica payload) read into a reusable CtScan of numbers and offsets, without a ConntrackEntry,
// strings or cursors. The event hot path (netlink-kernel-events.ts) turns a scan straight into a
// record (replica-record.ts). The scanner takes only what it reads exactly as decodeConntrackAttrs
// (ct-decode.ts) would: both tuples (with a zone of their direction), status, timeout, mark,
// zone, TCP and SCTP protoinfo, sequence adjustments, SYNPROXY state, and the
// attributes the decoder reads but never replicates (id, use, counters, security context).
// Anything else, and anything malformed, answers false: the caller then decodes the message the
// ordinary way, which also gives the reasons for errors. So both paths agree on every message.
//
// Spec: as ct-decode.ts and ct-tuple.ts (include/uapi/linux/netfilter/nfnetlink_conntrack.h,
// struct nlattr in include/uapi/linux/netlink.h).
import { Cta, CtaIp, CtaProto, CtaProtoinfo, CtaProtoinfoSctp, CtaProtoinfoTcp, CtaSeqAdj, CtaSynproxy, CtaTuple } from './ctnetlink-attr.js';
import { attrLengthAt, attrTypeAt } from './netlink-attr.js';
import { AddressFamily, NFGENMSG_LEN } from './nfnetlink.js';

/** One tuple: offsets of its addresses in the scanned buffer, numbers for the rest; -1: absent. */
export class TupleScan {
  src = -1;
  dst = -1;
  proto = -1;
  sport = -1;
  dport = -1;
  icmpId = -1;
  icmpType = -1;
  icmpCode = -1;
  /** CTA_TUPLE_ZONE: the zone of this direction alone. */
  zone = -1;

  reset(): void {
    this.src = this.dst = this.proto = this.sport = this.dport = this.icmpId = this.icmpType = this.icmpCode = this.zone = -1;
  }

  /** Another tuple's numbers, its addresses now at `src` and `dst`. */
  copy(from: TupleScan, src: number, dst: number): void {
    this.src = src;
    this.dst = dst;
    this.proto = from.proto;
    this.sport = from.sport;
    this.dport = from.dport;
    this.icmpId = from.icmpId;
    this.icmpType = from.icmpType;
    this.icmpCode = from.icmpCode;
    this.zone = from.zone;
  }
}

/**
 * What a connection may carry after its protoinfo, each part present or not: the sequence
 * adjustment of either direction (CTA_SEQ_ADJ_ORIG / _REPLY: correction position, offsets before
 * and after) and SYNPROXY's state (CTA_SYNPROXY: ISN, timestamp, timestamp offset). All u32.
 */
export class ScanExtras {
  seqAdjOrig = false;
  seqAdjReply = false;
  synproxy = false;
  /** Values by Extra index (three per part). */
  readonly v = new Float64Array(9);

  get any(): boolean {
    return this.seqAdjOrig || this.seqAdjReply || this.synproxy;
  }

  clear(): void {
    this.seqAdjOrig = this.seqAdjReply = this.synproxy = false;
  }

  /** Each part from `first` where it has it, else from `second` (mergeEntry's rule), or absent. */
  merge(first: ScanExtras, second: ScanExtras | undefined): void {
    this.seqAdjOrig = this.take(first.seqAdjOrig, first, second?.seqAdjOrig === true ? second : undefined, Extra.seqAdjOrig);
    this.seqAdjReply = this.take(first.seqAdjReply, first, second?.seqAdjReply === true ? second : undefined, Extra.seqAdjReply);
    this.synproxy = this.take(first.synproxy, first, second?.synproxy === true ? second : undefined, Extra.synproxy);
  }

  private take(inFirst: boolean, first: ScanExtras, second: ScanExtras | undefined, at: number): boolean {
    const from = inFirst ? first : second;
    if (from === undefined) return false;
    this.v[at] = from.v[at] as number;
    this.v[at + 1] = from.v[at + 1] as number;
    this.v[at + 2] = from.v[at + 2] as number;
    return true;
  }
}

/** Where each part's three values start in ScanExtras.v. */
export const Extra = { seqAdjOrig: 0, seqAdjReply: 3, synproxy: 6 } as const;

/** A scanned conntrack message; -1 marks an absent number. Valid while its buffer is. */
export class CtScan {
  buf: Buffer = Buffer.alloc(0);
  /** The scanned message payload (nfgenmsg + attributes) after `message`: what the slow path decodes. */
  messageStart = 0;
  messageEnd = 0;
  /** nfgen family: AddressFamily.inet (2) or inet6 (10); address length 4 or 16. */
  family = 0;
  addrLen = 4;
  readonly orig = new TupleScan();
  readonly reply = new TupleScan();
  status = -1;
  timeout = -1;
  mark = -1;
  zone = 0;
  /** TCP protoinfo present; its state, window scales and flags bytes. */
  tcp = false;
  tcpState = -1;
  wscaleOrig = -1;
  wscaleReply = -1;
  flagsOrig = -1;
  flagsReply = -1;
  /** SCTP protoinfo present (a message has TCP's or SCTP's, or none); its state and verification tags. */
  sctp = false;
  sctpState = -1;
  vtagOrig = -1;
  vtagReply = -1;
  /** Sequence adjustments and SYNPROXY state. */
  readonly extras = new ScanExtras();

  /** Whether the message carries protoinfo the scanner reads (TCP or SCTP). */
  get hasProtoinfo(): boolean {
    return this.tcp || this.sctp;
  }

  /** Room for the four addresses of a detached scan. */
  private own: Buffer | undefined;

  /**
   * Makes this scan hold what a record is written from (scan-record.ts): `s`'s tuples and zone,
   * their addresses copied into a buffer of its own (`s`'s may be reused meanwhile), and the
   * status, protoinfo (from `info`), mark, timeout and extras given.
   */
  detach(s: CtScan, status: number, info: CtScan | undefined, mark: number, timeout: number, extras: ScanExtras): void {
    const n = s.addrLen;
    const own = (this.own ??= Buffer.alloc(64));
    const from = s.buf;
    // byte by byte: four addresses of 4 bytes each cost less so than four calls into Buffer.copy
    for (let i = 0; i < n; i++) {
      own[i] = from[s.orig.src + i] as number;
      own[n + i] = from[s.orig.dst + i] as number;
      own[2 * n + i] = from[s.reply.src + i] as number;
      own[3 * n + i] = from[s.reply.dst + i] as number;
    }
    this.buf = own;
    this.messageStart = this.messageEnd = 0;
    this.family = s.family;
    this.addrLen = n;
    this.orig.copy(s.orig, 0, n);
    this.reply.copy(s.reply, 2 * n, 3 * n);
    this.zone = s.zone;
    this.status = status;
    this.mark = mark;
    this.timeout = timeout;
    const tcp = info?.tcp === true ? info : undefined;
    this.tcp = tcp !== undefined;
    this.tcpState = tcp === undefined ? -1 : tcp.tcpState;
    this.wscaleOrig = tcp === undefined ? -1 : tcp.wscaleOrig;
    this.wscaleReply = tcp === undefined ? -1 : tcp.wscaleReply;
    this.flagsOrig = tcp === undefined ? -1 : tcp.flagsOrig;
    this.flagsReply = tcp === undefined ? -1 : tcp.flagsReply;
    const sctp = info?.sctp === true ? info : undefined;
    this.sctp = sctp !== undefined;
    this.sctpState = sctp === undefined ? -1 : sctp.sctpState;
    this.vtagOrig = sctp === undefined ? -1 : sctp.vtagOrig;
    this.vtagReply = sctp === undefined ? -1 : sctp.vtagReply;
    this.extras.merge(extras, undefined);
  }

  private reset(buf: Buffer, family: number): void {
    this.buf = buf;
    this.family = family;
    this.addrLen = family === AddressFamily.inet ? 4 : 16;
    this.orig.reset();
    this.reply.reset();
    this.status = this.timeout = this.mark = -1;
    this.zone = 0;
    this.tcp = false;
    this.tcpState = this.wscaleOrig = this.wscaleReply = this.flagsOrig = this.flagsReply = -1;
    this.sctp = false;
    this.sctpState = this.vtagOrig = this.vtagReply = -1;
    this.extras.clear();
  }

  /** Scans a message payload (nfgenmsg + attributes) in buf[start, end); false: use the slow path. */
  message(buf: Buffer, start: number, end: number): boolean {
    if (end - start < NFGENMSG_LEN) return false;
    const family = buf[start] as number;
    if (family !== AddressFamily.inet && family !== AddressFamily.inet6) return false;
    this.messageStart = start;
    this.messageEnd = end;
    return this.attributes(buf, start + NFGENMSG_LEN, end, family);
  }

  /** Scans conntrack attributes in buf[start, end) of an entry of `family`; false: use the slow path. */
  attributes(buf: Buffer, start: number, end: number, family: number): boolean {
    this.reset(buf, family);
    for (let at = start; at < end; ) {
      const len = attrLengthAt(buf, at, end);
      if (len < 0) return false;
      const v = at + 4;
      const size = len - 4;
      switch (attrTypeAt(buf, at)) {
        case Cta.tupleOrig:
          if (!scanTuple(this.orig, buf, v, v + size, this.addrLen)) return false;
          break;
        case Cta.tupleReply:
          if (!scanTuple(this.reply, buf, v, v + size, this.addrLen)) return false;
          break;
        case Cta.status:
          if ((this.status = u32(buf, v, size)) < 0) return false;
          break;
        case Cta.timeout:
          if ((this.timeout = u32(buf, v, size)) < 0) return false;
          break;
        case Cta.mark:
          if ((this.mark = u32(buf, v, size)) < 0) return false;
          break;
        case Cta.zone:
          if (size < 2) return false;
          this.zone = ((buf[v] as number) << 8) | (buf[v + 1] as number);
          break;
        case Cta.id:
        case Cta.use:
          if (size < 4) return false;
          break;
        case Cta.protoinfo:
          if (!this.protoinfo(buf, v, v + size)) return false;
          break;
        case Cta.seqAdjOrig:
          if (!this.triple(buf, v, v + size, Extra.seqAdjOrig, CtaSeqAdj.correctionPos, CtaSeqAdj.offsetBefore, CtaSeqAdj.offsetAfter)) return false;
          this.extras.seqAdjOrig = true;
          break;
        case Cta.seqAdjReply:
          if (!this.triple(buf, v, v + size, Extra.seqAdjReply, CtaSeqAdj.correctionPos, CtaSeqAdj.offsetBefore, CtaSeqAdj.offsetAfter)) return false;
          this.extras.seqAdjReply = true;
          break;
        case Cta.synproxy:
          if (!this.triple(buf, v, v + size, Extra.synproxy, CtaSynproxy.isn, CtaSynproxy.its, CtaSynproxy.tsoff)) return false;
          // all zeros: no state, as the decoder has it (what ctnetlink gives every entry it creates)
          this.extras.synproxy = this.extras.v[Extra.synproxy] !== 0 || this.extras.v[Extra.synproxy + 1] !== 0 || this.extras.v[Extra.synproxy + 2] !== 0;
          break;
        case Cta.help:
        case Cta.labels:
        case Cta.tupleMaster:
          return false; // replicated, but rare: the slow path takes them
        default:
          break; // counters, secctx, timestamp, …: read or skipped by the decoder, never replicated
      }
      at += (len + 3) & ~3;
    }
    return this.orig.proto >= 0 && this.reply.proto >= 0;
  }

  private protoinfo(buf: Buffer, start: number, end: number): boolean {
    for (let at = start; at < end; ) {
      const len = attrLengthAt(buf, at, end);
      if (len < 0) return false;
      const type = attrTypeAt(buf, at);
      // the decoder keeps the last protocol's (decodeProtoinfo): so does the scan
      if (type === CtaProtoinfo.tcp) {
        if (!this.tcpInfo(buf, at + 4, at + len)) return false;
      } else if (type === CtaProtoinfo.sctp) {
        if (!this.sctpInfo(buf, at + 4, at + len)) return false;
      } else if (type === CtaProtoinfo.dccp) return false;
      at += (len + 3) & ~3;
    }
    return true;
  }

  private tcpInfo(buf: Buffer, start: number, end: number): boolean {
    this.sctp = false;
    this.sctpState = this.vtagOrig = this.vtagReply = -1;
    this.tcp = true;
    this.tcpState = this.wscaleOrig = this.wscaleReply = this.flagsOrig = this.flagsReply = -1;
    for (let at = start; at < end; ) {
      const len = attrLengthAt(buf, at, end);
      if (len < 0) return false;
      const value = len > 4 ? (buf[at + 4] as number) : -1;
      switch (attrTypeAt(buf, at)) {
        case CtaProtoinfoTcp.state: this.tcpState = value; break;
        case CtaProtoinfoTcp.wscaleOriginal: this.wscaleOrig = value; break;
        case CtaProtoinfoTcp.wscaleReply: this.wscaleReply = value; break;
        case CtaProtoinfoTcp.flagsOriginal: this.flagsOrig = value; break;
        case CtaProtoinfoTcp.flagsReply: this.flagsReply = value; break;
      }
      at += (len + 3) & ~3;
    }
    return this.tcpState >= 0;
  }

  /**
   * A nest of three u32 values (sequence adjustment, SYNPROXY state) into extras.v[at..at+2];
   * false unless all three are there, as the decoder requires (ct-decode.ts).
   */
  private triple(buf: Buffer, start: number, end: number, at: number, a: number, b: number, c: number): boolean {
    const v = this.extras.v;
    v[at] = v[at + 1] = v[at + 2] = -1;
    for (let p = start; p < end; ) {
      const len = attrLengthAt(buf, p, end);
      if (len < 0) return false;
      const type = attrTypeAt(buf, p);
      const value = u32(buf, p + 4, len - 4);
      if (type === a) v[at] = value;
      else if (type === b) v[at + 1] = value;
      else if (type === c) v[at + 2] = value;
      p += (len + 3) & ~3;
    }
    return (v[at] as number) >= 0 && (v[at + 1] as number) >= 0 && (v[at + 2] as number) >= 0;
  }

  /** CTA_PROTOINFO_SCTP: the state (required, as by the decoder) and the two verification tags. */
  private sctpInfo(buf: Buffer, start: number, end: number): boolean {
    this.tcp = false;
    this.tcpState = this.wscaleOrig = this.wscaleReply = this.flagsOrig = this.flagsReply = -1;
    this.sctp = true;
    this.sctpState = this.vtagOrig = this.vtagReply = -1;
    for (let at = start; at < end; ) {
      const len = attrLengthAt(buf, at, end);
      if (len < 0) return false;
      switch (attrTypeAt(buf, at)) {
        case CtaProtoinfoSctp.state: this.sctpState = u8(buf, at + 4, len - 4); break;
        case CtaProtoinfoSctp.vtagOriginal: this.vtagOrig = u32(buf, at + 4, len - 4); break;
        case CtaProtoinfoSctp.vtagReply: this.vtagReply = u32(buf, at + 4, len - 4); break;
      }
      at += (len + 3) & ~3;
    }
    return this.sctpState >= 0;
  }
}

function scanTuple(t: TupleScan, buf: Buffer, start: number, end: number, addrLen: number): boolean {
  t.reset();
  for (let at = start; at < end; ) {
    const len = attrLengthAt(buf, at, end);
    if (len < 0) return false;
    const type = attrTypeAt(buf, at);
    if (type === CtaTuple.ip && !scanIp(t, buf, at + 4, at + len, addrLen)) return false;
    if (type === CtaTuple.proto && !scanProto(t, buf, at + 4, at + len)) return false;
    if (type === CtaTuple.zone && (t.zone = u16(buf, at + 4, len - 4)) < 0) return false;
    at += (len + 3) & ~3;
  }
  return t.src >= 0 && t.dst >= 0 && t.proto >= 0;
}

function scanIp(t: TupleScan, buf: Buffer, start: number, end: number, addrLen: number): boolean {
  for (let at = start; at < end; ) {
    const len = attrLengthAt(buf, at, end);
    if (len < 0) return false;
    const type = attrTypeAt(buf, at);
    if (type >= CtaIp.v4Src && type <= CtaIp.v6Dst) {
      const v4 = type === CtaIp.v4Src || type === CtaIp.v4Dst;
      if (v4 !== (addrLen === 4) || len - 4 !== addrLen) return false;
      if (type === CtaIp.v4Src || type === CtaIp.v6Src) t.src = at + 4;
      else t.dst = at + 4;
    }
    at += (len + 3) & ~3;
  }
  return true;
}

function scanProto(t: TupleScan, buf: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; ) {
    const len = attrLengthAt(buf, at, end);
    if (len < 0) return false;
    const v = at + 4;
    const size = len - 4;
    switch (attrTypeAt(buf, at)) {
      case CtaProto.num: if ((t.proto = u8(buf, v, size)) < 0) return false; break;
      case CtaProto.srcPort: if ((t.sport = u16(buf, v, size)) < 0) return false; break;
      case CtaProto.dstPort: if ((t.dport = u16(buf, v, size)) < 0) return false; break;
      case CtaProto.icmpId:
      case CtaProto.icmpv6Id: if ((t.icmpId = u16(buf, v, size)) < 0) return false; break;
      case CtaProto.icmpType:
      case CtaProto.icmpv6Type: if ((t.icmpType = u8(buf, v, size)) < 0) return false; break;
      case CtaProto.icmpCode:
      case CtaProto.icmpv6Code: if ((t.icmpCode = u8(buf, v, size)) < 0) return false; break;
    }
    at += (len + 3) & ~3;
  }
  return true;
}

function u8(buf: Buffer, at: number, size: number): number {
  return size >= 1 ? (buf[at] as number) : -1;
}

function u16(buf: Buffer, at: number, size: number): number {
  return size >= 2 ? ((buf[at] as number) << 8) | (buf[at + 1] as number) : -1;
}

function u32(buf: Buffer, at: number, size: number): number {
  return size >= 4 ? (buf[at] as number) * 0x1000000 + (((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number)) : -1;
}
