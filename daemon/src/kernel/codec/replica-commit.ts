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
import { NLA_HDRLEN, NLA_TYPE_MASK, type AttrWriter } from './netlink-attr.js';
import { NlmFlag } from './netlink-message.js';
import { beginMessage, CtMsg, endMessage, nfMessageType, NfnlSubsys } from './nfnetlink.js';

export interface ReplicaScan {
  readonly status: number;
  /** Offset (within the scanned buffer) of the CTA_STATUS value. */
  readonly statusAt: number;
  readonly hasMaster: boolean;
  readonly hasTimeout: boolean;
  /** TCP protoinfo present, and the offsets of its flags values (2 bytes each: flags, mask). */
  readonly hasTcpInfo: boolean;
  readonly tcpFlagsAt: readonly number[];
}

/**
 * Scans replica attributes; undefined when they are malformed or lack a status. Runs once per
 * committed record, so it walks offsets instead of allocating cursors.
 */
export function scanReplica(buf: Buffer, start: number, end: number): ReplicaScan | undefined {
  let status: number | undefined;
  let statusAt = -1;
  let hasMaster = false;
  let hasTimeout = false;
  let hasTcpInfo = false;
  const tcpFlagsAt: number[] = [];
  for (let at = start; at < end; ) {
    const len = attrLength(buf, at, end);
    if (len < 0) return undefined;
    const type = buf.readUInt16LE(at + 2) & NLA_TYPE_MASK;
    if (type === Cta.status && len >= 8) {
      status = buf.readUInt32BE(at + 4);
      statusAt = at + 4;
    } else if (type === Cta.tupleMaster) hasMaster = true;
    else if (type === Cta.timeout) hasTimeout = true;
    else if (type === Cta.protoinfo) {
      for (let p = at + 4; p < at + len; ) {
        const plen = attrLength(buf, p, at + len);
        if (plen < 0) return undefined;
        if ((buf.readUInt16LE(p + 2) & NLA_TYPE_MASK) === CtaProtoinfo.tcp) {
          hasTcpInfo = true;
          for (let t = p + 4; t < p + plen; ) {
            const tlen = attrLength(buf, t, p + plen);
            if (tlen < 0) return undefined;
            const ttype = buf.readUInt16LE(t + 2) & NLA_TYPE_MASK;
            if ((ttype === CtaProtoinfoTcp.flagsOriginal || ttype === CtaProtoinfoTcp.flagsReply) && tlen >= 6) tcpFlagsAt.push(t + 4);
            t += (tlen + 3) & ~3;
          }
        }
        p += (plen + 3) & ~3;
      }
    }
    at += (len + 3) & ~3;
  }
  if (status === undefined) return undefined;
  return { status, statusAt, hasMaster, hasTimeout, hasTcpInfo, tcpFlagsAt };
}

/** nla_len of the attribute at `at` if it fits in [at, end), else -1. */
function attrLength(buf: Buffer, at: number, end: number): number {
  if (at + NLA_HDRLEN > end) return -1;
  const len = buf.readUInt16LE(at);
  return len < NLA_HDRLEN || at + len > end ? -1 : len;
}

/**
 * True when `encodeCreateFromReplica` can be used: no NAT to rebuild, a timeout present, and
 * TCP flags for both directions to patch (otherwise BE_LIBERAL would have nowhere to go).
 */
export function replicaFastPath(scan: ReplicaScan): boolean {
  return !hasNat(scan.status) && scan.hasTimeout && (!scan.hasTcpInfo || scan.tcpFlagsAt.length === 2);
}

const REPLICATED_TCP_FLAGS = TcpFlag.windowScale | TcpFlag.sackPerm | TcpFlag.closeInit;

/** IPCTNL_MSG_CT_NEW (create) from replica attributes buf[start, end) scanned as `scan`. */
export function encodeCreateFromReplica(w: AttrWriter, family: number, buf: Buffer, start: number, end: number, scan: ReplicaScan, seq: number, flags: number, tcp: TcpCommitFlags): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.new), flags | NlmFlag.request | NlmFlag.create | NlmFlag.excl, seq, family);
  const base = w.pos - start;
  w.copyFrom(buf, start, end);
  w.buf.writeUInt32BE(statusForCreate(scan.status), base + scan.statusAt);
  for (const flagsAt of scan.tcpFlagsAt) {
    const value = ((buf[flagsAt] as number) & REPLICATED_TCP_FLAGS) | (tcp.beLiberal ? TcpFlag.beLiberal : 0);
    w.buf[base + flagsAt] = value;
    w.buf[base + flagsAt + 1] = 0xff;
  }
  endMessage(w, at);
}
