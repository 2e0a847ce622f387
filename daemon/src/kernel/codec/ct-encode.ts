// Encoding ConntrackEntry values as ctnetlink attributes and messages: the canonical replica
// form (the payload of a sync record), and the create / update / delete / dump / flush requests.
//
// Spec: include/uapi/linux/netfilter/nfnetlink_conntrack.h. What the kernel accepts is
// ctnetlink_new_conntrack / ctnetlink_create_conntrack / ctnetlink_change_conntrack and
// ctnetlink_del_conntrack in net/netfilter/nf_conntrack_netlink.c:
//  - create needs both tuples and CTA_TIMEOUT; NAT is set up from CTA_NAT_SRC/DST, which
//    rewrite the reply tuple and set the NAT status bits, so the reply tuple sent is the
//    un-NATed inverse of the original (as `conntrack -I --src-nat` and conntrackd do);
//  - an existing entry is changed when NLM_F_EXCL is absent, but NAT, master and helper can only
//    be given on create (EOPNOTSUPP), so updates leave them out;
//  - with no tuple at all, IPCTNL_MSG_CT_DELETE flushes the table.
import type { ConntrackEntry, SeqAdj, Synproxy, Tuple, ConntrackIdentity } from '../ct-entry.js';
import { IpProto } from '../ct-entry.js';
import { EntryEncodeError } from '../errors.js';
import { Cta, CtaHelp, CtaNat, CtaProtoNat, CtaSeqAdj, CtaSynproxy } from './ctnetlink-attr.js';
import { labelsToBytes } from './ct-labels.js';
import { encodeProtoinfo, type TcpCommitFlags } from './ct-protoinfo.js';
import { Ips, statusForCreate, statusForUpdate } from './ct-status.js';
import { encodeTuple } from './ct-tuple.js';
import { parseIPv4, parseIPv6 } from './ip-address.js';
import type { AttrWriter } from './netlink-attr.js';
import { NlmFlag } from './netlink-message.js';
import { AddressFamily, beginMessage, CtMsg, endMessage, nfMessageType, NfnlSubsys } from './nfnetlink.js';

export function nfFamily(entry: { readonly family: 'ipv4' | 'ipv6' }): number {
  return entry.family === 'ipv4' ? AddressFamily.inet : AddressFamily.inet6;
}

/**
 * The canonical replica form: every replicated field in a fixed order, as the kernel would dump
 * it, with CTA_TIMEOUT last so a state hash can stop before it. No id, use, counters or secctx.
 * Returns the offset where the timeout starts (the end of the state that must converge).
 */
export function encodeReplicaAttrs(w: AttrWriter, e: ConntrackEntry): number {
  encodeTuple(w, Cta.tupleOrig, e.orig, e.family);
  encodeTuple(w, Cta.tupleReply, e.reply, e.family);
  w.u32be(Cta.status, e.status ?? 0);
  if (e.protoinfo !== undefined) encodeProtoinfo(w, e.protoinfo);
  if (e.mark !== undefined) w.u32be(Cta.mark, e.mark);
  if (e.zone !== 0) w.u16be(Cta.zone, e.zone);
  if (e.labels !== undefined && e.labels.length > 0) w.bytes(Cta.labels, labelsToBytes(e.labels));
  if (e.helper !== undefined) writeHelper(w, e.helper);
  if (e.seqAdjOrig !== undefined) writeSeqAdj(w, Cta.seqAdjOrig, e.seqAdjOrig);
  if (e.seqAdjReply !== undefined) writeSeqAdj(w, Cta.seqAdjReply, e.seqAdjReply);
  if (e.synproxy !== undefined) writeSynproxy(w, e.synproxy);
  if (e.master !== undefined) encodeTuple(w, Cta.tupleMaster, e.master, e.family);
  const stateEnd = w.pos;
  if (e.timeout !== undefined) w.u32be(Cta.timeout, e.timeout);
  return stateEnd;
}

export interface CommitOptions {
  readonly tcp: TcpCommitFlags;
  /** Leave CTA_TUPLE_MASTER out (retry when the master is missing on this node). */
  readonly withoutMaster?: boolean;
  /** Leave CTA_HELP out (retry when the helper is not on this node: EOPNOTSUPP). */
  readonly withoutHelper?: boolean;
  /** Leave CTA_STATUS out of an update (retry when the kernel refused the status with EBUSY). */
  readonly withoutStatus?: boolean;
  /**
   * Labels are in use: an update of an entry without labels sends all-zero CTA_LABELS, which
   * clear the copy's (an update leaves labels it does not name). Without the labels extension
   * on the copy the kernel answers ENOSPC after applying the rest (the labels come last in
   * ctnetlink_change_conntrack): commit-plan.ts takes that as done.
   */
  readonly clearLabels?: boolean;
}

/** All-zero labels (the kernel's 128 bits). */
const NO_LABELS = new Uint8Array(16);

/**
 * The timeout a copy of a flow-offloaded entry gets (IPS_OFFLOAD: a flowtable forwards it). The
 * kernel dumps such an entry without CTA_TIMEOUT and CTA_PROTOINFO (ctnetlink_dump_info), and
 * gives it, once the offload ends, its protocol's established timeout (flow_offload_fixup_ct):
 * Linux's defaults here, so that the copy is created rather than refused. Flowtables offload TCP
 * and UDP only.
 */
export function offloadedTimeout(e: ConntrackEntry): number | undefined {
  if (((e.status ?? 0) & Ips.offload) === 0) return undefined;
  if (e.orig.proto === IpProto.tcp) return 432_000;
  return e.orig.proto === IpProto.udp ? 120 : undefined;
}

/** IPCTNL_MSG_CT_NEW with NLM_F_CREATE|NLM_F_EXCL: create a copy of `e`. */
export function encodeCreate(w: AttrWriter, e: ConntrackEntry, seq: number, flags: number, options: CommitOptions): void {
  const timeout = e.timeout ?? offloadedTimeout(e);
  if (timeout === undefined) {
    throw new EntryEncodeError(`conntrack entry ${describe(e.orig)} has no timeout`, { hint: 'the kernel needs CTA_TIMEOUT to create an entry: commit entries from dumps or full records' });
  }
  const status = e.status ?? 0;
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.new), flags | NlmFlag.request | NlmFlag.create | NlmFlag.excl, seq, nfFamily(e));
  encodeTuple(w, Cta.tupleOrig, e.orig, e.family);
  encodeTuple(w, Cta.tupleReply, unNattedReply(e, status), e.family);
  if ((status & Ips.dstNat) !== 0) writeNat(w, Cta.natDst, e, 'dst');
  if ((status & Ips.srcNat) !== 0) writeNat(w, Cta.natSrc, e, 'src');
  w.u32be(Cta.status, statusForCreate(status));
  if (e.protoinfo !== undefined) encodeProtoinfo(w, e.protoinfo, options.tcp);
  if (e.mark !== undefined) w.u32be(Cta.mark, e.mark);
  if (e.zone !== 0) w.u16be(Cta.zone, e.zone);
  if (e.labels !== undefined && e.labels.length > 0) w.bytes(Cta.labels, labelsToBytes(e.labels));
  if (e.helper !== undefined && options.withoutHelper !== true) writeHelper(w, e.helper);
  if (e.seqAdjOrig !== undefined) writeSeqAdj(w, Cta.seqAdjOrig, e.seqAdjOrig);
  if (e.seqAdjReply !== undefined) writeSeqAdj(w, Cta.seqAdjReply, e.seqAdjReply);
  if (e.synproxy !== undefined) writeSynproxy(w, e.synproxy);
  if (e.master !== undefined && options.withoutMaster !== true) encodeTuple(w, Cta.tupleMaster, e.master, e.family);
  w.u32be(Cta.timeout, timeout);
  endMessage(w, at);
}

/** IPCTNL_MSG_CT_NEW without NLM_F_CREATE: change an existing copy (no NAT, master or helper). */
export function encodeUpdate(w: AttrWriter, e: ConntrackEntry, seq: number, flags: number, options: CommitOptions): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.new), flags | NlmFlag.request, seq, nfFamily(e));
  encodeTuple(w, Cta.tupleOrig, e.orig, e.family);
  if (e.status !== undefined && options.withoutStatus !== true) w.u32be(Cta.status, statusForUpdate(e.status));
  if (e.protoinfo !== undefined) encodeProtoinfo(w, e.protoinfo, options.tcp);
  if (e.mark !== undefined) w.u32be(Cta.mark, e.mark);
  if (e.zone !== 0) w.u16be(Cta.zone, e.zone);
  if (e.labels !== undefined && e.labels.length > 0) w.bytes(Cta.labels, labelsToBytes(e.labels));
  else if (options.clearLabels === true) w.bytes(Cta.labels, NO_LABELS);
  if (e.seqAdjOrig !== undefined) writeSeqAdj(w, Cta.seqAdjOrig, e.seqAdjOrig);
  if (e.seqAdjReply !== undefined) writeSeqAdj(w, Cta.seqAdjReply, e.seqAdjReply);
  if (e.synproxy !== undefined) writeSynproxy(w, e.synproxy);
  if (e.timeout !== undefined) w.u32be(Cta.timeout, e.timeout);
  endMessage(w, at);
}

/** IPCTNL_MSG_CT_DELETE of the entry with `e`'s original tuple and zone. */
export function encodeDelete(w: AttrWriter, e: ConntrackIdentity, seq: number, flags: number): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.delete), flags | NlmFlag.request, seq, nfFamily(e));
  encodeTuple(w, Cta.tupleOrig, e.orig, e.family);
  if (e.zone !== 0) w.u16be(Cta.zone, e.zone);
  endMessage(w, at);
}

/**
 * IPCTNL_MSG_CT_DELETE of the entry whose reply tuple is `e`'s (as the kernel holds it: NATed):
 * ctnetlink_del_conntrack looks up CTA_TUPLE_REPLY when no CTA_TUPLE_ORIG is given. It removes a
 * stale entry whose NAT mapping clashes with `e` (commit-plan.ts, delete-reply).
 */
export function encodeDeleteByReply(w: AttrWriter, e: ConntrackEntry, seq: number, flags: number): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.delete), flags | NlmFlag.request, seq, nfFamily(e));
  encodeTuple(w, Cta.tupleReply, e.reply, e.family);
  if (e.zone !== 0) w.u16be(Cta.zone, e.zone);
  endMessage(w, at);
}

/**
 * IPCTNL_MSG_CT_GET of the one entry with `e`'s original tuple and zone (ctnetlink_get_conntrack):
 * answered by that entry as ctnetlink_fill_info writes it (sequence adjustments included, which
 * no event carries), then the ACK; ENOENT when there is none.
 */
export function encodeGetRequest(w: AttrWriter, e: ConntrackIdentity, seq: number): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.get), NlmFlag.request | NlmFlag.ack, seq, nfFamily(e));
  encodeTuple(w, Cta.tupleOrig, e.orig, e.family);
  if (e.zone !== 0) w.u16be(Cta.zone, e.zone);
  endMessage(w, at);
}

/** IPCTNL_MSG_CT_GET with NLM_F_DUMP: the whole table (or one family). */
export function encodeDumpRequest(w: AttrWriter, seq: number, family: number = AddressFamily.unspec): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.get), NlmFlag.request | NlmFlag.dump, seq, family);
  endMessage(w, at);
}

/** IPCTNL_MSG_CT_DELETE without a tuple: flush every entry. */
export function encodeFlush(w: AttrWriter, seq: number): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.delete), NlmFlag.request | NlmFlag.ack, seq, AddressFamily.unspec);
  endMessage(w, at);
}

/**
 * The reply tuple before NAT: the NATed parts replaced by the original tuple's, so the kernel's
 * NAT setup (nf_nat_setup_info) finds them different and sets the NAT bits.
 */
function unNattedReply(e: ConntrackEntry, status: number): Tuple {
  let reply = e.reply;
  const icmp = isIcmp(reply);
  if ((status & Ips.srcNat) !== 0) {
    reply = { ...reply, dst: e.orig.src };
    if (icmp) reply = { ...reply, ...(e.orig.icmpId === undefined ? {} : { icmpId: e.orig.icmpId }) };
    else if (e.orig.sport !== undefined) reply = { ...reply, dport: e.orig.sport };
  }
  if ((status & Ips.dstNat) !== 0) {
    reply = { ...reply, src: e.orig.dst };
    if (!icmp && e.orig.dport !== undefined) reply = { ...reply, sport: e.orig.dport };
  }
  return reply;
}

function isIcmp(t: Tuple): boolean {
  return t.proto === IpProto.icmp || t.proto === IpProto.icmpv6;
}

/**
 * CTA_NAT_SRC (kind 'src': map the source to what the reply's destination shows) or
 * CTA_NAT_DST (kind 'dst': map the destination to the reply's source), as a one-address,
 * one-port range. For ICMP the "port" is the echo id.
 */
function writeNat(w: AttrWriter, type: number, e: ConntrackEntry, kind: 'src' | 'dst'): void {
  const address = kind === 'src' ? e.reply.dst : e.reply.src;
  const nest = w.beginNest(type);
  if (e.family === 'ipv4') {
    const ip = parseIPv4(address);
    if (ip === undefined) throw new EntryEncodeError(`NAT address "${address}" is not IPv4`);
    w.u32be(CtaNat.v4MinIp, ip);
    w.u32be(CtaNat.v4MaxIp, ip);
  } else {
    const ip = parseIPv6(address);
    if (ip === undefined) throw new EntryEncodeError(`NAT address "${address}" is not IPv6`);
    w.bytes(CtaNat.v6MinIp, ip);
    w.bytes(CtaNat.v6MaxIp, ip);
  }
  const port = isIcmp(e.reply) ? e.reply.icmpId : kind === 'src' ? e.reply.dport : e.reply.sport;
  if (port !== undefined) {
    const proto = w.beginNest(CtaNat.proto);
    w.u16be(CtaProtoNat.portMin, port);
    w.u16be(CtaProtoNat.portMax, port);
    w.endNest(proto);
  }
  w.endNest(nest);
}

function writeHelper(w: AttrWriter, name: string): void {
  const nest = w.beginNest(Cta.help);
  w.string(CtaHelp.name, name);
  w.endNest(nest);
}

function writeSynproxy(w: AttrWriter, s: Synproxy): void {
  const nest = w.beginNest(Cta.synproxy);
  w.u32be(CtaSynproxy.isn, s.isn);
  w.u32be(CtaSynproxy.its, s.its);
  w.u32be(CtaSynproxy.tsoff, s.tsoff);
  w.endNest(nest);
}

function writeSeqAdj(w: AttrWriter, type: number, adj: SeqAdj): void {
  const nest = w.beginNest(type);
  w.u32be(CtaSeqAdj.correctionPos, adj.correctionPos);
  w.u32be(CtaSeqAdj.offsetBefore, adj.offsetBefore);
  w.u32be(CtaSeqAdj.offsetAfter, adj.offsetAfter);
  w.endNest(nest);
}

export function describe(t: Tuple): string {
  const l4 = t.sport !== undefined ? ` ${t.sport}>${t.dport ?? '?'}` : t.icmpType !== undefined ? ` type ${t.icmpType} id ${t.icmpId ?? '?'}` : '';
  return `proto ${t.proto} ${t.src}>${t.dst}${l4}`;
}
