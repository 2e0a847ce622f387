// ctnetlink tuples (CTA_TUPLE_ORIG / _REPLY / _MASTER, CTA_EXPECT_TUPLE / _MASK / _MASTER): a
// CTA_TUPLE_IP nest with the two addresses and a CTA_TUPLE_PROTO nest with the protocol number
// and its ports, ICMP type/code/id or GRE keys (reported as ports); and CTA_TUPLE_ZONE when the
// entry's zone is set for that direction alone (ctnetlink_dump_zone_id puts a zone of both
// directions in CTA_ZONE instead, and ctnetlink_parse_tuple_zone refuses a tuple zone beside one).
//
// Spec: include/uapi/linux/netfilter/nfnetlink_conntrack.h (enum ctattr_tuple, ctattr_ip,
// ctattr_l4proto); the kernel side is ctnetlink_dump_tuples / ctnetlink_parse_tuple in
// net/netfilter/nf_conntrack_netlink.c and the l4 protocols' tuple_to_nlattr.
import type { Family, Tuple } from '../ct-entry.js';
import { IpProto } from '../ct-entry.js';
import { EntryEncodeError } from '../errors.js';
import { CtaIp, CtaProto, CtaTuple } from './ctnetlink-attr.js';
import { fail, ok, type DecodeResult } from './decode-result.js';
import type { AttrCursor, AttrWriter } from './netlink-attr.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip-address.js';

interface MutableTuple {
  src?: string;
  dst?: string;
  proto?: number;
  sport?: number;
  dport?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  zone?: number;
}

/** Decodes the payload of a tuple nest (the cursor walks its CTA_TUPLE_* children). */
export function decodeTuple(c: AttrCursor, family: Family): DecodeResult<Tuple> {
  const t: MutableTuple = {};
  while (c.next()) {
    if (c.type === CtaTuple.ip) {
      const error = decodeIp(c.nested(), family, t);
      if (error !== undefined) return fail(error);
    } else if (c.type === CtaTuple.proto) {
      const error = decodeProto(c.nested(), t);
      if (error !== undefined) return fail(error);
    } else if (c.type === CtaTuple.zone) {
      if ((t.zone = c.u16be()) === undefined) return fail(`CTA_TUPLE_ZONE of ${c.length} bytes`);
    }
  }
  if (c.error !== undefined) return fail(`tuple: ${c.error}`);
  if (t.src === undefined || t.dst === undefined) return fail('tuple without source or destination address');
  if (t.proto === undefined) return fail('tuple without protocol number');
  return ok(t as Tuple);
}

function decodeIp(c: AttrCursor, family: Family, t: MutableTuple): string | undefined {
  while (c.next()) {
    const v4 = c.type === CtaIp.v4Src || c.type === CtaIp.v4Dst;
    const v6 = c.type === CtaIp.v6Src || c.type === CtaIp.v6Dst;
    if (!v4 && !v6) continue;
    if (v4 !== (family === 'ipv4')) return `an ${v4 ? 'IPv4' : 'IPv6'} address in an ${family} tuple`;
    if (c.length !== (v4 ? 4 : 16)) return `address attribute of ${c.length} bytes`;
    const text = v4 ? formatIPv4(c.buf, c.value) : formatIPv6(c.buf, c.value);
    if (c.type === CtaIp.v4Src || c.type === CtaIp.v6Src) t.src = text;
    else t.dst = text;
  }
  return c.error === undefined ? undefined : `tuple addresses: ${c.error}`;
}

function decodeProto(c: AttrCursor, t: MutableTuple): string | undefined {
  while (c.next()) {
    let value: number | undefined;
    switch (c.type) {
      case CtaProto.num:
        value = t.proto = c.u8();
        break;
      case CtaProto.srcPort:
        value = t.sport = c.u16be();
        break;
      case CtaProto.dstPort:
        value = t.dport = c.u16be();
        break;
      case CtaProto.icmpId:
      case CtaProto.icmpv6Id:
        value = t.icmpId = c.u16be();
        break;
      case CtaProto.icmpType:
      case CtaProto.icmpv6Type:
        value = t.icmpType = c.u8();
        break;
      case CtaProto.icmpCode:
      case CtaProto.icmpv6Code:
        value = t.icmpCode = c.u8();
        break;
      default:
        continue;
    }
    if (value === undefined) return `protocol attribute ${c.type} too short (${c.length} bytes)`;
  }
  return c.error === undefined ? undefined : `tuple protocol: ${c.error}`;
}

/** Writes `tuple` as a nest of type `nestType`. Throws EntryEncodeError on a bad address. */
export function encodeTuple(w: AttrWriter, nestType: number, tuple: Tuple, family: Family): void {
  const outer = w.beginNest(nestType);
  const ip = w.beginNest(CtaTuple.ip);
  if (family === 'ipv4') {
    w.u32be(CtaIp.v4Src, ipv4Of(tuple.src));
    w.u32be(CtaIp.v4Dst, ipv4Of(tuple.dst));
  } else {
    w.bytes(CtaIp.v6Src, ipv6Of(tuple.src));
    w.bytes(CtaIp.v6Dst, ipv6Of(tuple.dst));
  }
  w.endNest(ip);
  const proto = w.beginNest(CtaTuple.proto);
  w.u8(CtaProto.num, tuple.proto);
  if (tuple.proto === IpProto.icmp || tuple.proto === IpProto.icmpv6) {
    const v6 = tuple.proto === IpProto.icmpv6;
    if (tuple.icmpId !== undefined) w.u16be(v6 ? CtaProto.icmpv6Id : CtaProto.icmpId, tuple.icmpId);
    if (tuple.icmpType !== undefined) w.u8(v6 ? CtaProto.icmpv6Type : CtaProto.icmpType, tuple.icmpType);
    if (tuple.icmpCode !== undefined) w.u8(v6 ? CtaProto.icmpv6Code : CtaProto.icmpCode, tuple.icmpCode);
  } else {
    if (tuple.sport !== undefined) w.u16be(CtaProto.srcPort, tuple.sport);
    if (tuple.dport !== undefined) w.u16be(CtaProto.dstPort, tuple.dport);
  }
  w.endNest(proto);
  if (tuple.zone !== undefined) w.u16be(CtaTuple.zone, tuple.zone);
  w.endNest(outer);
}

function ipv4Of(text: string): number {
  const value = parseIPv4(text);
  if (value === undefined) {
    throw new EntryEncodeError(`"${text}" is not an IPv4 address`, { hint: 'use dotted-quad form, e.g. 192.0.2.1, in an ipv4 entry' });
  }
  return value;
}

function ipv6Of(text: string): Uint8Array {
  const value = parseIPv6(text);
  if (value === undefined) {
    throw new EntryEncodeError(`"${text}" is not an IPv6 address`, { hint: 'use RFC 4291 text form, e.g. 2001:db8::1, in an ipv6 entry' });
  }
  return value;
}
