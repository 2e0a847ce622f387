// Committing a record's payload without rebuilding the entry: the replica form
// (encodeReplicaAttrs) already is ctnetlink, so a create is the payload's attributes copied
// behind a new header, with CTA_STATUS given the bits a create may carry (ct-status.ts) and
// the TCP flags turned into a "set BE_LIBERAL" instruction (mask 0xff), both patched in place.
// Entries with NAT keep the slow path (the reply tuple and NAT ranges must be rebuilt), and so do
// updates; `scanReplica` says which.
//
// Spec: as ct-encode.ts (ctnetlink_create_conntrack); struct nf_ct_tcp_flags { flags, mask }.
import { Cta, CtaProtoinfo, CtaProtoinfoTcp, TcpFlag } from './ctnetlink-attr.js';
import { hasNat, statusForCreate } from './ct-status.js';
import type { TcpCommitFlags } from './ct-protoinfo.js';
import { attrLengthAt, attrTypeAt, type AttrWriter } from './netlink-attr.js';
import { NlmFlag } from './netlink-message.js';
import { beginMessage, CtMsg, endMessage, nfMessageType, NfnlSubsys } from './nfnetlink.js';

export interface ReplicaScan {
  readonly status: number;
  /** Offset (within the scanned buffer) of the CTA_STATUS value. */
  readonly statusAt: number;
  readonly hasMaster: boolean;
  readonly hasTimeout: boolean;
  /** CTA_LABELS present (some label set). */
  readonly hasLabels: boolean;
  /** CTA_HELP present (a helper named). */
  readonly hasHelper: boolean;
  /** TCP protoinfo present, how many flags values it holds, and where the first two are (2 bytes each: flags, mask). */
  readonly hasTcpInfo: boolean;
  readonly tcpFlagsCount: number;
  readonly tcpFlagsAt0: number;
  readonly tcpFlagsAt1: number;
}

/**
 * Scans replica attributes into its own fields, so one scanner serves a whole commit (200k
 * records at a takeover) without allocating: bytes are read directly, no Buffer view of the
 * record, no cursor objects.
 */
export class ReplicaScanner implements ReplicaScan {
  status = 0;
  statusAt = -1;
  hasMaster = false;
  hasTimeout = false;
  hasLabels = false;
  hasHelper = false;
  hasTcpInfo = false;
  tcpFlagsCount = 0;
  tcpFlagsAt0 = -1;
  tcpFlagsAt1 = -1;

  /** False when the attributes are malformed or lack a status. */
  scan(buf: Uint8Array, start: number, end: number): boolean {
    this.statusAt = -1;
    this.hasMaster = false;
    this.hasTimeout = false;
    this.hasLabels = false;
    this.hasHelper = false;
    this.hasTcpInfo = false;
    this.tcpFlagsCount = 0;
    for (let at = start; at < end; ) {
      const len = attrLengthAt(buf, at, end);
      if (len < 0) return false;
      const type = attrTypeAt(buf, at);
      if (type === Cta.status && len >= 8) {
        this.status = u32be(buf, at + 4);
        this.statusAt = at + 4;
      } else if (type === Cta.tupleMaster) this.hasMaster = true;
      else if (type === Cta.timeout) this.hasTimeout = true;
      else if (type === Cta.labels) this.hasLabels = true;
      else if (type === Cta.help) this.hasHelper = true;
      else if (type === Cta.protoinfo && !this.scanProtoinfo(buf, at + 4, at + len)) return false;
      at += (len + 3) & ~3;
    }
    return this.statusAt >= 0;
  }

  private scanProtoinfo(buf: Uint8Array, start: number, end: number): boolean {
    for (let p = start; p < end; ) {
      const plen = attrLengthAt(buf, p, end);
      if (plen < 0) return false;
      if (attrTypeAt(buf, p) === CtaProtoinfo.tcp) {
        this.hasTcpInfo = true;
        for (let t = p + 4; t < p + plen; ) {
          const tlen = attrLengthAt(buf, t, p + plen);
          if (tlen < 0) return false;
          const ttype = attrTypeAt(buf, t);
          if ((ttype === CtaProtoinfoTcp.flagsOriginal || ttype === CtaProtoinfoTcp.flagsReply) && tlen >= 6) {
            if (this.tcpFlagsCount === 0) this.tcpFlagsAt0 = t + 4;
            else if (this.tcpFlagsCount === 1) this.tcpFlagsAt1 = t + 4;
            this.tcpFlagsCount++;
          }
          t += (tlen + 3) & ~3;
        }
      }
      p += (plen + 3) & ~3;
    }
    return true;
  }
}

/** Scans replica attributes; undefined when they are malformed or lack a status. */
export function scanReplica(buf: Uint8Array, start: number, end: number): ReplicaScan | undefined {
  const scanner = new ReplicaScanner();
  return scanner.scan(buf, start, end) ? scanner : undefined;
}

/** A ctnetlink u32 value (big-endian). */
const u32be = (buf: Uint8Array, at: number): number =>
  (((buf[at] as number) << 24) | ((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number)) >>> 0;

/**
 * True when `encodeCreateFromReplica` can be used: no NAT to rebuild, a timeout present, and
 * TCP flags for both directions to patch (otherwise BE_LIBERAL would have nowhere to go).
 */
export function replicaFastPath(scan: ReplicaScan): boolean {
  return !hasNat(scan.status) && scan.hasTimeout && (!scan.hasTcpInfo || scan.tcpFlagsCount === 2);
}

const REPLICATED_TCP_FLAGS = TcpFlag.windowScale | TcpFlag.sackPerm | TcpFlag.closeInit;

/** IPCTNL_MSG_CT_NEW (create) from replica attributes buf[start, end) scanned as `scan`. */
export function encodeCreateFromReplica(w: AttrWriter, family: number, buf: Uint8Array, start: number, end: number, scan: ReplicaScan, seq: number, flags: number, tcp: TcpCommitFlags): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.new), flags | NlmFlag.request | NlmFlag.create | NlmFlag.excl, seq, family);
  const base = w.pos - start;
  w.copyFrom(buf, start, end);
  w.buf.writeUInt32BE(statusForCreate(scan.status), base + scan.statusAt);
  if (scan.tcpFlagsCount > 0) patchTcpFlags(w.buf, base, buf, scan.tcpFlagsAt0, tcp);
  if (scan.tcpFlagsCount > 1) patchTcpFlags(w.buf, base, buf, scan.tcpFlagsAt1, tcp);
  endMessage(w, at);
}

function patchTcpFlags(out: Buffer, base: number, buf: Uint8Array, flagsAt: number, tcp: TcpCommitFlags): void {
  out[base + flagsAt] = ((buf[flagsAt] as number) & REPLICATED_TCP_FLAGS) | (tcp.beLiberal ? TcpFlag.beLiberal : 0);
  out[base + flagsAt + 1] = 0xff;
}
