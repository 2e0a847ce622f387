// Expectations over ctnetlink (subsystem NFNL_SUBSYS_CTNETLINK_EXP): decoding dumps and events,
// and the replica / create / update / delete / dump / flush encodings.
//
// Spec: include/uapi/linux/netfilter/nfnetlink_conntrack.h (enum ctattr_expect,
// ctattr_expect_nat). Kernel side (net/netfilter/nf_conntrack_netlink.c):
// ctnetlink_exp_dump_expect reports the helper of the MASTER as CTA_EXPECT_HELP_NAME;
// ctnetlink_new_expect needs TUPLE, MASK and MASTER even to update; ctnetlink_create_expect
// ignores CTA_EXPECT_TIMEOUT (the master's helper policy sets it) and, given
// CTA_EXPECT_HELP_NAME, attaches that helper to the connection the expectation creates, which
// is why a create names the helper only when it must (a non-zero class is checked against it);
// ctnetlink_change_expect applies CTA_EXPECT_TIMEOUT to an existing expectation. A create finds
// the master under CTA_EXPECT_ZONE by its original tuple; an update or delete finds the
// expectation by it, compared with the number of the master's zone whatever its direction
// (nf_ct_exp_zone_equal_any): the two differ for a master whose zone is of the reply direction
// alone (Expectation.masterReplyZone).
import { expectationZone, type Expectation, type ExpectationNat, type Family } from '../ct-entry.js';
import { CtaExpect, CtaExpectNat } from './ctnetlink-attr.js';
import { decodeTuple, encodeTuple } from './ct-tuple.js';
import { familyOf } from './ct-decode.js';
import { nfFamily } from './ct-encode.js';
import { fail, guard, ok, type DecodeResult } from './decode-result.js';
import { AttrCursor, type AttrWriter } from './netlink-attr.js';
import { NlmFlag } from './netlink-message.js';
import { AddressFamily, beginMessage, endMessage, ExpMsg, NFGENMSG_LEN, nfMessageType, NfnlSubsys } from './nfnetlink.js';

/**
 * HALF's own attribute of a replica payload (masterReplyZone, u16): the kernel knows no such
 * field, and its expectation attributes end far below this type (CTA_EXPECT_MAX).
 */
export const REPLICA_MASTER_REPLY_ZONE = 0x3fff;

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

export function decodeExpectationMessage(buf: Buffer, start: number, end: number): DecodeResult<Expectation> {
  if (end - start < NFGENMSG_LEN) return fail('expectation message shorter than its nfgenmsg header');
  const family = familyOf(buf[start] as number);
  if (family === undefined) return fail(`expectation message of address family ${buf[start]}`);
  return decodeExpectationAttrs(buf, start + NFGENMSG_LEN, end, family);
}

export function decodeExpectationAttrs(buf: Buffer, start: number, end: number, family: Family): DecodeResult<Expectation> {
  return guard('expectation', () => {
    const x: Mutable<Expectation> = { family, zone: 0, flags: 0, class: 0 };
    const c = new AttrCursor(buf, start, end);
    while (c.next()) {
      switch (c.type) {
        case CtaExpect.master:
        case CtaExpect.tuple:
        case CtaExpect.mask: {
          const t = decodeTuple(c.nested(), family);
          if (!t.ok) return fail(t.error);
          if (c.type === CtaExpect.master) x.master = t.value;
          else if (c.type === CtaExpect.tuple) x.tuple = t.value;
          else x.mask = t.value;
          break;
        }
        case CtaExpect.timeout:
          x.timeout = c.u32be();
          break;
        case CtaExpect.id:
          x.id = c.u32be();
          break;
        case CtaExpect.zone:
          x.zone = c.u16be() ?? 0;
          break;
        case REPLICA_MASTER_REPLY_ZONE:
          x.masterReplyZone = c.u16be();
          break;
        case CtaExpect.flags:
          x.flags = c.u32be() ?? 0;
          break;
        case CtaExpect.class:
          x.class = c.u32be() ?? 0;
          break;
        case CtaExpect.helpName:
          x.helper = c.string();
          break;
        case CtaExpect.fn:
          x.fn = c.string();
          break;
        case CtaExpect.nat: {
          const nat = decodeNat(c.nested(), family);
          if (!nat.ok) return fail(nat.error);
          x.nat = nat.value;
          break;
        }
      }
    }
    if (c.error !== undefined) return fail(`expectation: ${c.error}`);
    if (x.master === undefined || x.tuple === undefined || x.mask === undefined) return fail('expectation without master, tuple or mask');
    for (const key of Object.keys(x) as (keyof Expectation)[]) if (x[key] === undefined) delete x[key];
    return ok(x as Expectation);
  });
}

function decodeNat(c: AttrCursor, family: Family): DecodeResult<ExpectationNat> {
  let dir: number | undefined;
  let tuple: ExpectationNat['tuple'] | undefined;
  while (c.next()) {
    if (c.type === CtaExpectNat.dir) dir = c.u32be();
    else if (c.type === CtaExpectNat.tuple) {
      const t = decodeTuple(c.nested(), family);
      if (!t.ok) return fail(`expectation NAT: ${t.error}`);
      tuple = t.value;
    }
  }
  if (dir === undefined || tuple === undefined) return fail('expectation NAT without direction or tuple');
  return ok({ dir, tuple });
}

/**
 * Every replicated field in a fixed order, CTA_EXPECT_TIMEOUT last (see encodeReplicaAttrs);
 * returns the offset where the timeout starts.
 */
export function encodeExpectationReplicaAttrs(w: AttrWriter, x: Expectation): number {
  encodeTuple(w, CtaExpect.master, x.master, x.family);
  encodeTuple(w, CtaExpect.tuple, x.tuple, x.family);
  encodeTuple(w, CtaExpect.mask, x.mask, x.family);
  if (x.zone !== 0) w.u16be(CtaExpect.zone, x.zone);
  if (x.masterReplyZone !== undefined) w.u16be(REPLICA_MASTER_REPLY_ZONE, x.masterReplyZone);
  w.u32be(CtaExpect.flags, x.flags);
  w.u32be(CtaExpect.class, x.class);
  if (x.helper !== undefined) w.string(CtaExpect.helpName, x.helper);
  if (x.nat !== undefined) writeNat(w, x);
  if (x.fn !== undefined) w.string(CtaExpect.fn, x.fn);
  const stateEnd = w.pos;
  if (x.timeout !== undefined) w.u32be(CtaExpect.timeout, x.timeout);
  return stateEnd;
}

const expNew = nfMessageType(NfnlSubsys.ctnetlinkExp, ExpMsg.new);
const expDelete = nfMessageType(NfnlSubsys.ctnetlinkExp, ExpMsg.delete);

/** IPCTNL_MSG_EXP_NEW with NLM_F_CREATE|NLM_F_EXCL, under the zone that finds the master. */
export function encodeExpectationCreate(w: AttrWriter, x: Expectation, seq: number, flags: number): void {
  const at = beginMessage(w, expNew, flags | NlmFlag.request | NlmFlag.create | NlmFlag.excl, seq, nfFamily(x));
  encodeTuple(w, CtaExpect.master, x.master, x.family);
  encodeTuple(w, CtaExpect.tuple, x.tuple, x.family);
  encodeTuple(w, CtaExpect.mask, x.mask, x.family);
  if (x.zone !== 0) w.u16be(CtaExpect.zone, x.zone);
  w.u32be(CtaExpect.flags, x.flags);
  if (x.class !== 0 && x.helper !== undefined) {
    w.string(CtaExpect.helpName, x.helper);
    w.u32be(CtaExpect.class, x.class);
  }
  if (x.nat !== undefined) writeNat(w, x);
  if (x.fn !== undefined) w.string(CtaExpect.fn, x.fn);
  endMessage(w, at);
}

/** IPCTNL_MSG_EXP_NEW without NLM_F_CREATE: set the remaining timeout of an existing one. */
export function encodeExpectationUpdate(w: AttrWriter, x: Expectation, seq: number, flags: number): void {
  const at = beginMessage(w, expNew, flags | NlmFlag.request, seq, nfFamily(x));
  encodeTuple(w, CtaExpect.master, x.master, x.family);
  encodeTuple(w, CtaExpect.tuple, x.tuple, x.family);
  encodeTuple(w, CtaExpect.mask, x.mask, x.family);
  writeExpectationZone(w, x);
  if (x.timeout !== undefined) w.u32be(CtaExpect.timeout, x.timeout);
  endMessage(w, at);
}

/** IPCTNL_MSG_EXP_DELETE of the expectation with `x`'s tuple and master's zone. */
export function encodeExpectationDelete(w: AttrWriter, x: Pick<Expectation, 'family' | 'tuple' | 'zone' | 'masterReplyZone'>, seq: number, flags: number): void {
  const at = beginMessage(w, expDelete, flags | NlmFlag.request, seq, nfFamily(x));
  encodeTuple(w, CtaExpect.tuple, x.tuple, x.family);
  writeExpectationZone(w, x);
  endMessage(w, at);
}

/** CTA_EXPECT_ZONE that finds an existing expectation (to update or delete it). */
function writeExpectationZone(w: AttrWriter, x: Pick<Expectation, 'zone' | 'masterReplyZone'>): void {
  const zone = expectationZone(x);
  if (zone !== 0) w.u16be(CtaExpect.zone, zone);
}

export function encodeExpectationDumpRequest(w: AttrWriter, seq: number, family: number = AddressFamily.unspec): void {
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlinkExp, ExpMsg.get), NlmFlag.request | NlmFlag.dump, seq, family);
  endMessage(w, at);
}

/** IPCTNL_MSG_EXP_DELETE without a tuple or helper name: remove every expectation. */
export function encodeExpectationFlush(w: AttrWriter, seq: number): void {
  const at = beginMessage(w, expDelete, NlmFlag.request | NlmFlag.ack, seq, AddressFamily.unspec);
  endMessage(w, at);
}

function writeNat(w: AttrWriter, x: Expectation): void {
  if (x.nat === undefined) return;
  const nest = w.beginNest(CtaExpect.nat);
  w.u32be(CtaExpectNat.dir, x.nat.dir);
  encodeTuple(w, CtaExpectNat.tuple, x.nat.tuple, x.family);
  w.endNest(nest);
}
