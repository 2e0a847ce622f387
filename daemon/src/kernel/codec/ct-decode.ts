// Decoding ctnetlink conntrack messages (IPCTNL_MSG_CT_NEW from dumps and NEW/UPDATE events,
// IPCTNL_MSG_CT_DELETE from DESTROY events) into ConntrackEntry values. Never throws.
//
// Spec: include/uapi/linux/netfilter/nfnetlink_conntrack.h (enum ctattr_type and nests); what
// the kernel puts in each message is ctnetlink_fill_info (dumps) and ctnetlink_conntrack_event
// (events: UPDATE carries only what changed, DESTROY no protoinfo details) in
// net/netfilter/nf_conntrack_netlink.c.
import type { ConntrackEntry, Counters, Family, SeqAdj, Synproxy } from '../ct-entry.js';
import { Cta, CtaCounters, CtaHelp, CtaSecctx, CtaSeqAdj, CtaSynproxy, LABELS_MAX_BYTES } from './ctnetlink-attr.js';
import { labelsFromBytes } from './ct-labels.js';
import { decodeProtoinfo } from './ct-protoinfo.js';
import { decodeTuple } from './ct-tuple.js';
import { fail, guard, ok, type DecodeResult } from './decode-result.js';
import { AttrCursor } from './netlink-attr.js';
import { AddressFamily, NFGENMSG_LEN } from './nfnetlink.js';

export function familyOf(nfgenFamily: number): Family | undefined {
  if (nfgenFamily === AddressFamily.inet) return 'ipv4';
  if (nfgenFamily === AddressFamily.inet6) return 'ipv6';
  return undefined;
}

/** Decodes the nfgenmsg + attributes in buf[start, end) (a message payload). */
export function decodeConntrackMessage(buf: Buffer, start: number, end: number): DecodeResult<ConntrackEntry> {
  if (end - start < NFGENMSG_LEN) return fail('conntrack message shorter than its nfgenmsg header');
  const family = familyOf(buf[start] as number);
  if (family === undefined) return fail(`conntrack message of address family ${buf[start]}`);
  return decodeConntrackAttrs(buf, start + NFGENMSG_LEN, end, family);
}

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

/** Decodes conntrack attributes in buf[start, end). */
export function decodeConntrackAttrs(buf: Buffer, start: number, end: number, family: Family): DecodeResult<ConntrackEntry> {
  return guard('conntrack entry', () => {
    const e: Mutable<ConntrackEntry> = { family };
    const c = new AttrCursor(buf, start, end);
    while (c.next()) {
      const error = decodeAttr(c, e, family);
      if (error !== undefined) return fail(error);
    }
    if (c.error !== undefined) return fail(`conntrack entry: ${c.error}`);
    if (e.orig === undefined || e.reply === undefined) return fail('conntrack entry without both tuples');
    e.zone ??= 0;
    return ok(e as ConntrackEntry);
  });
}

function decodeAttr(c: AttrCursor, e: Mutable<ConntrackEntry>, family: Family): string | undefined {
  switch (c.type) {
    case Cta.tupleOrig:
    case Cta.tupleReply:
    case Cta.tupleMaster: {
      const t = decodeTuple(c.nested(), family);
      if (!t.ok) return t.error;
      if (c.type === Cta.tupleOrig) e.orig = t.value;
      else if (c.type === Cta.tupleReply) e.reply = t.value;
      else e.master = t.value;
      return undefined;
    }
    case Cta.status:
      return (e.status = c.u32be()) === undefined ? 'short CTA_STATUS' : undefined;
    case Cta.timeout:
      return (e.timeout = c.u32be()) === undefined ? 'short CTA_TIMEOUT' : undefined;
    case Cta.mark:
      return (e.mark = c.u32be()) === undefined ? 'short CTA_MARK' : undefined;
    case Cta.zone:
      return (e.zone = c.u16be()) === undefined ? 'short CTA_ZONE' : undefined;
    case Cta.id:
      return (e.id = c.u32be()) === undefined ? 'short CTA_ID' : undefined;
    case Cta.use:
      return (e.use = c.u32be()) === undefined ? 'short CTA_USE' : undefined;
    case Cta.labels: {
      // the kernel's bitmap is LABELS_MAX_BYTES at most (NF_CT_LABELS_MAX_SIZE): a longer one is
      // no kernel's (a review's 65 KB of ones decoded to 520,000 labels, 10 MB, then cut to 128)
      const bytes = c.bytes();
      if (bytes.length > LABELS_MAX_BYTES) return `CTA_LABELS of ${bytes.length} bytes, beyond ${LABELS_MAX_BYTES}`;
      const labels = labelsFromBytes(bytes);
      if (labels.length > 0) e.labels = labels;
      return undefined;
    }
    case Cta.protoinfo: {
      const info = decodeProtoinfo(c.nested());
      if (!info.ok) return info.error;
      if (info.value !== undefined) e.protoinfo = info.value;
      return undefined;
    }
    case Cta.help: {
      // a nest without a name says nothing: merged into a held entry, an explicit undefined
      // would erase its helper
      const helper = nestedString(c.nested(), CtaHelp.name);
      if (helper !== undefined) e.helper = helper;
      return undefined;
    }
    case Cta.secctx:
      e.secctx = nestedString(c.nested(), CtaSecctx.name);
      return undefined;
    case Cta.seqAdjOrig:
    case Cta.seqAdjReply: {
      const adj = decodeSeqAdj(c.nested());
      if (adj === undefined) return 'incomplete CTA_SEQ_ADJ';
      if (c.type === Cta.seqAdjOrig) e.seqAdjOrig = adj;
      else e.seqAdjReply = adj;
      return undefined;
    }
    case Cta.synproxy: {
      const synproxy = decodeSynproxy(c.nested());
      if (synproxy === undefined) return 'incomplete CTA_SYNPROXY';
      // ctnetlink gives every entry it creates a SYNPROXY extension of zeros, which the kernel
      // then reports: no state (SYNPROXY's hooks do nothing with it)
      if (synproxy.isn !== 0 || synproxy.its !== 0 || synproxy.tsoff !== 0) e.synproxy = synproxy;
      return undefined;
    }
    case Cta.countersOrig:
    case Cta.countersReply: {
      const counters = decodeCounters(c.nested());
      if (c.type === Cta.countersOrig) e.countersOrig = counters;
      else e.countersReply = counters;
      return undefined;
    }
    default:
      return undefined;
  }
}

function nestedString(c: AttrCursor, type: number): string | undefined {
  while (c.next()) if (c.type === type) return c.string();
  return undefined;
}

/** CTA_SYNPROXY: the kernel always writes all three (ctnetlink_dump_ct_synproxy). */
function decodeSynproxy(c: AttrCursor): Synproxy | undefined {
  let isn: number | undefined;
  let its: number | undefined;
  let tsoff: number | undefined;
  while (c.next()) {
    if (c.type === CtaSynproxy.isn) isn = c.u32be();
    else if (c.type === CtaSynproxy.its) its = c.u32be();
    else if (c.type === CtaSynproxy.tsoff) tsoff = c.u32be();
  }
  return isn === undefined || its === undefined || tsoff === undefined || c.error !== undefined ? undefined : { isn, its, tsoff };
}

function decodeSeqAdj(c: AttrCursor): SeqAdj | undefined {
  let correctionPos: number | undefined;
  let offsetBefore: number | undefined;
  let offsetAfter: number | undefined;
  while (c.next()) {
    if (c.type === CtaSeqAdj.correctionPos) correctionPos = c.u32be();
    else if (c.type === CtaSeqAdj.offsetBefore) offsetBefore = c.u32be();
    else if (c.type === CtaSeqAdj.offsetAfter) offsetAfter = c.u32be();
  }
  if (correctionPos === undefined || offsetBefore === undefined || offsetAfter === undefined) return undefined;
  return { correctionPos, offsetBefore, offsetAfter };
}

function decodeCounters(c: AttrCursor): Counters {
  let packets = 0;
  let bytes = 0;
  while (c.next()) {
    if (c.type === CtaCounters.packets) packets = c.u64be() ?? 0;
    else if (c.type === CtaCounters.bytes) bytes = c.u64be() ?? 0;
    else if (c.type === CtaCounters.packets32) packets = c.u32be() ?? 0;
    else if (c.type === CtaCounters.bytes32) bytes = c.u32be() ?? 0;
  }
  return { packets, bytes };
}

/**
 * The entry after an UPDATE event: fields the event did not report (protoinfo, labels, helper,
 * master, sequence adjustments, mark) keep their previous values.
 */
export function mergeEntry(previous: ConntrackEntry, update: ConntrackEntry): ConntrackEntry {
  return { ...previous, ...update };
}
