// Per-protocol state of a conntrack entry (CTA_PROTOINFO): TCP state, window scales and flags,
// SCTP state and verification tags, DCCP state, role and handshake sequence.
//
// Spec: include/uapi/linux/netfilter/nfnetlink_conntrack.h (enum ctattr_protoinfo*),
// include/uapi/linux/netfilter/nf_conntrack_tcp.h (struct nf_ct_tcp_flags { flags, mask }).
// Kernel side: tcp_to_nlattr / nlattr_to_tcp (nf_conntrack_proto_tcp.c) dump flags with mask 0
// and apply `flags & mask` on input; window scales are applied only when both directions carry
// IP_CT_TCP_FLAG_WINDOW_SCALE. nlattr_to_sctp needs state and both vtags; nlattr_to_dccp needs
// state and role.
import type { DccpInfo, ProtoInfo, SctpInfo, TcpInfo } from '../ct-entry.js';
import { Cta, CtaProtoinfo, CtaProtoinfoDccp, CtaProtoinfoSctp, CtaProtoinfoTcp, TcpFlag } from './ctnetlink-attr.js';
import { fail, ok, type DecodeResult } from './decode-result.js';
import type { AttrCursor, AttrWriter } from './netlink-attr.js';

/** How TCP flags are written when committing to the kernel. */
export interface TcpCommitFlags {
  /** Add IP_CT_TCP_FLAG_BE_LIBERAL so resumed streams skip window checks (conntrackd does). */
  readonly beLiberal: boolean;
}

/** Flags that still mean something on a copy: window tracking data itself is not replicated. */
const REPLICATED_TCP_FLAGS = TcpFlag.windowScale | TcpFlag.sackPerm | TcpFlag.closeInit;

/** Decodes the payload of CTA_PROTOINFO; unknown protocols give undefined. */
export function decodeProtoinfo(c: AttrCursor): DecodeResult<ProtoInfo | undefined> {
  let info: ProtoInfo | undefined;
  while (c.next()) {
    let result: DecodeResult<ProtoInfo>;
    if (c.type === CtaProtoinfo.tcp) result = decodeTcp(c.nested());
    else if (c.type === CtaProtoinfo.sctp) result = decodeSctp(c.nested());
    else if (c.type === CtaProtoinfo.dccp) result = decodeDccp(c.nested());
    else continue;
    if (!result.ok) return result;
    info = result.value;
  }
  return c.error === undefined ? ok(info) : fail(`protoinfo: ${c.error}`);
}

function decodeTcp(c: AttrCursor): DecodeResult<TcpInfo> {
  const t: { -readonly [K in keyof TcpInfo]?: TcpInfo[K] } = { proto: 'tcp' };
  while (c.next()) {
    if (c.type === CtaProtoinfoTcp.state) t.state = c.u8();
    else if (c.type === CtaProtoinfoTcp.wscaleOriginal) t.wscaleOrig = c.u8();
    else if (c.type === CtaProtoinfoTcp.wscaleReply) t.wscaleReply = c.u8();
    else if (c.type === CtaProtoinfoTcp.flagsOriginal) t.flagsOrig = c.u8();
    else if (c.type === CtaProtoinfoTcp.flagsReply) t.flagsReply = c.u8();
  }
  if (c.error !== undefined) return fail(`tcp protoinfo: ${c.error}`);
  if (t.state === undefined) return fail('tcp protoinfo without a state');
  return ok(dropUndefined(t) as TcpInfo);
}

function decodeSctp(c: AttrCursor): DecodeResult<SctpInfo> {
  const s: { -readonly [K in keyof SctpInfo]?: SctpInfo[K] } = { proto: 'sctp' };
  while (c.next()) {
    if (c.type === CtaProtoinfoSctp.state) s.state = c.u8();
    else if (c.type === CtaProtoinfoSctp.vtagOriginal) s.vtagOrig = c.u32be();
    else if (c.type === CtaProtoinfoSctp.vtagReply) s.vtagReply = c.u32be();
  }
  if (c.error !== undefined) return fail(`sctp protoinfo: ${c.error}`);
  if (s.state === undefined) return fail('sctp protoinfo without a state');
  return ok(dropUndefined(s) as SctpInfo);
}

function decodeDccp(c: AttrCursor): DecodeResult<DccpInfo> {
  const d: { -readonly [K in keyof DccpInfo]?: DccpInfo[K] } = { proto: 'dccp' };
  while (c.next()) {
    if (c.type === CtaProtoinfoDccp.state) d.state = c.u8();
    else if (c.type === CtaProtoinfoDccp.role) d.role = c.u8();
    else if (c.type === CtaProtoinfoDccp.handshakeSeq) d.handshakeSeq = c.u64be();
  }
  if (c.error !== undefined) return fail(`dccp protoinfo: ${c.error}`);
  if (d.state === undefined) return fail('dccp protoinfo without a state');
  return ok(dropUndefined(d) as DccpInfo);
}

/**
 * Writes CTA_PROTOINFO. Without `commit`, TCP flags are written as the kernel dumps them (mask
 * 0: informative only); with it, the replicated flags plus BE_LIBERAL are applied (mask 0xff).
 */
export function encodeProtoinfo(w: AttrWriter, info: ProtoInfo, commit?: TcpCommitFlags): void {
  const outer = w.beginNest(Cta.protoinfo);
  if (info.proto === 'tcp') {
    const nest = w.beginNest(CtaProtoinfo.tcp);
    w.u8(CtaProtoinfoTcp.state, info.state);
    if (info.wscaleOrig !== undefined) w.u8(CtaProtoinfoTcp.wscaleOriginal, info.wscaleOrig);
    if (info.wscaleReply !== undefined) w.u8(CtaProtoinfoTcp.wscaleReply, info.wscaleReply);
    writeTcpFlags(w, CtaProtoinfoTcp.flagsOriginal, info.flagsOrig, commit);
    writeTcpFlags(w, CtaProtoinfoTcp.flagsReply, info.flagsReply, commit);
    w.endNest(nest);
  } else if (info.proto === 'sctp') {
    const nest = w.beginNest(CtaProtoinfo.sctp);
    w.u8(CtaProtoinfoSctp.state, info.state);
    w.u32be(CtaProtoinfoSctp.vtagOriginal, info.vtagOrig ?? 0);
    w.u32be(CtaProtoinfoSctp.vtagReply, info.vtagReply ?? 0);
    w.endNest(nest);
  } else {
    const nest = w.beginNest(CtaProtoinfo.dccp);
    w.u8(CtaProtoinfoDccp.state, info.state);
    w.u8(CtaProtoinfoDccp.role, info.role ?? 0);
    if (info.handshakeSeq !== undefined) w.u64be(CtaProtoinfoDccp.handshakeSeq, info.handshakeSeq);
    w.endNest(nest);
  }
  w.endNest(outer);
}

function writeTcpFlags(w: AttrWriter, type: number, flags: number | undefined, commit: TcpCommitFlags | undefined): void {
  if (commit === undefined) {
    if (flags !== undefined) w.bytes(type, Uint8Array.of(flags, 0));
    return;
  }
  const value = ((flags ?? 0) & REPLICATED_TCP_FLAGS) | (commit.beLiberal ? TcpFlag.beLiberal : 0);
  w.bytes(type, Uint8Array.of(value, 0xff));
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
