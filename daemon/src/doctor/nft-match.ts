// Whether one nftables match expression (libnftables-json(5), "MATCH" and the expressions it
// compares: meta, payload, ct, concat; sets, ranges, prefixes) holds for a probe packet. Three
// answers: yes, no, or unknown (the rule looks at something the probe does not know, such as the
// source address of a multicast advert, or at something this evaluator does not model). Pure.
import { BlockList, isIP } from 'node:net';

export type Tri = 'yes' | 'no' | 'unknown';

/** The packet the doctor asks about: a VRRP advert or a sync datagram arriving from a peer. */
export interface ProbePacket {
  readonly family: 4 | 6;
  /** IP protocol number: 112 (VRRP), 17 (UDP)... */
  readonly l4proto: number;
  readonly sport?: number;
  readonly dport?: number;
  /** Input interface; undefined when not known (no config). Never the loopback. */
  readonly iifname?: string;
  readonly saddr?: string;
  readonly daddr?: string;
  /** meta pkttype, when known. */
  readonly pkttype?: 'host' | 'multicast' | 'broadcast';
}

/** IP protocol names nft prints (from /etc/protocols) for the protocols that matter here. */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, ipv6: 41, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, ospf: 89, vrrp: 112, sctp: 132, udplite: 136, dccp: 33,
};
const PORTED = new Set([6, 17, 33, 132, 136]);
const PORT_PROTOCOL: Readonly<Record<string, number>> = { tcp: 6, udp: 17, dccp: 33, sctp: 132, udplite: 136 };

type Value =
  | { readonly kind: 'number'; readonly value: number; readonly names?: Readonly<Record<string, number>> }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ifname'; readonly value: string }
  | { readonly kind: 'addr'; readonly value: string; readonly family: 4 | 6 }
  | { readonly kind: 'concat'; readonly parts: readonly Value[] }
  /** The expression does not apply to this packet (e.g. tcp dport of a UDP packet): the rule cannot match. */
  | { readonly kind: 'absent' }
  | { readonly kind: 'unknown' };

const UNKNOWN: Value = { kind: 'unknown' };
const ABSENT: Value = { kind: 'absent' };

function left(expr: unknown, p: ProbePacket): Value {
  if (typeof expr !== 'object' || expr === null) return UNKNOWN;
  const e = expr as Record<string, Record<string, unknown> | unknown[] | undefined>;
  const meta = objectOf(e['meta']);
  if (meta !== undefined) {
    switch (meta['key']) {
      case 'l4proto':
        return { kind: 'number', value: p.l4proto, names: PROTOCOL_NUMBERS };
      case 'nfproto':
        return { kind: 'string', value: p.family === 4 ? 'ipv4' : 'ipv6' };
      case 'protocol':
        return { kind: 'string', value: p.family === 4 ? 'ip' : 'ip6' };
      case 'iifname':
      case 'iif':
        return p.iifname === undefined ? { kind: 'ifname', value: '' } : { kind: 'ifname', value: p.iifname };
      case 'pkttype':
        return p.pkttype === undefined ? UNKNOWN : { kind: 'string', value: p.pkttype };
      default:
        return UNKNOWN;
    }
  }
  const payload = objectOf(e['payload']);
  if (payload !== undefined) {
    const proto = payload['protocol'];
    const field = payload['field'];
    if (proto === 'ip' || proto === 'ip6') {
      if ((proto === 'ip') !== (p.family === 4)) return ABSENT;
      if (field === 'protocol' || field === 'nexthdr') return { kind: 'number', value: p.l4proto, names: PROTOCOL_NUMBERS };
      const address = field === 'saddr' ? p.saddr : field === 'daddr' ? p.daddr : undefined;
      if (field !== 'saddr' && field !== 'daddr') return UNKNOWN;
      return address === undefined ? UNKNOWN : { kind: 'addr', value: address, family: p.family };
    }
    if (typeof proto === 'string' && (proto in PORT_PROTOCOL || proto === 'th')) {
      const applies = proto === 'th' ? PORTED.has(p.l4proto) : PORT_PROTOCOL[proto] === p.l4proto;
      if (!applies) return ABSENT;
      const port = field === 'dport' ? p.dport : field === 'sport' ? p.sport : undefined;
      return port === undefined ? UNKNOWN : { kind: 'number', value: port };
    }
    return UNKNOWN;
  }
  const ct = objectOf(e['ct']);
  if (ct !== undefined) {
    if (ct['key'] === 'state') return { kind: 'string', value: 'new' };
    if (ct['key'] === 'direction') return { kind: 'string', value: 'original' };
    return UNKNOWN;
  }
  const concat = e['concat'];
  if (Array.isArray(concat)) return { kind: 'concat', parts: concat.map((part) => left(part, p)) };
  return UNKNOWN;
}

const or = (answers: Iterable<Tri>): Tri => {
  let result: Tri = 'no';
  for (const a of answers) {
    if (a === 'yes') return 'yes';
    if (a === 'unknown') result = 'unknown';
  }
  return result;
};
const and = (answers: Iterable<Tri>): Tri => {
  let result: Tri = 'yes';
  for (const a of answers) {
    if (a === 'no') return 'no';
    if (a === 'unknown') result = 'unknown';
  }
  return result;
};

function addressIn(address: string, family: 4 | 6, add: (list: BlockList, type: 'ipv4' | 'ipv6') => boolean): Tri {
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  try {
    if (!add(list, type)) return 'no';
    return list.check(address, type) ? 'yes' : 'no';
  } catch {
    return 'unknown';
  }
}

function numberOf(raw: unknown, names: Readonly<Record<string, number>> | undefined): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  return typeof raw === 'string' ? names?.[raw] : undefined;
}

/** Whether `value` equals (or lies in) one right-hand element. */
export function element(value: Value, raw: unknown, sets: SetLookup): Tri {
  if (value.kind === 'unknown') return 'unknown';
  if (value.kind === 'absent') return 'no';
  if (typeof raw === 'string' && raw.startsWith('@')) {
    const elems = sets(raw.slice(1));
    return elems === undefined ? 'unknown' : or(elems.map((e) => element(value, e, sets)));
  }
  if (Array.isArray(raw)) return or(raw.map((e) => element(value, e, sets)));
  if (typeof raw === 'object' && raw !== null) {
    const r = raw as Record<string, unknown>;
    if (Array.isArray(r['set'])) return or(r['set'].map((e) => element(value, Array.isArray(e) ? e[0] : e, sets)));
    if (typeof r['elem'] === 'object' && r['elem'] !== null) return element(value, (r['elem'] as Record<string, unknown>)['val'], sets);
    if (value.kind === 'concat') {
      const parts = r['concat'];
      if (!Array.isArray(parts) || parts.length !== value.parts.length) return 'unknown';
      return and(value.parts.map((part, i) => element(part, parts[i], sets)));
    }
    const range = r['range'];
    if (Array.isArray(range) && range.length === 2) {
      if (value.kind === 'number') {
        const [lo, hi] = [numberOf(range[0], value.names), numberOf(range[1], value.names)];
        return lo === undefined || hi === undefined ? 'unknown' : value.value >= lo && value.value <= hi ? 'yes' : 'no';
      }
      if (value.kind === 'addr') return addressIn(value.value, value.family, (l, t) => (isIP(String(range[0])) === value.family ? (l.addRange(String(range[0]), String(range[1]), t), true) : false));
      return 'unknown';
    }
    const prefix = objectOf(r['prefix']);
    if (prefix !== undefined && value.kind === 'addr' && typeof prefix['len'] === 'number') {
      const base = String(prefix['addr']);
      return addressIn(value.value, value.family, (l, t) => (isIP(base) === value.family ? (l.addSubnet(base, prefix['len'] as number, t), true) : false));
    }
    return 'unknown';
  }
  switch (value.kind) {
    case 'number': {
      const n = numberOf(raw, value.names);
      return n === undefined ? 'unknown' : n === value.value ? 'yes' : 'no';
    }
    case 'string':
      return typeof raw === 'string' ? (raw === value.value ? 'yes' : 'no') : 'unknown';
    case 'ifname': {
      if (typeof raw !== 'string') return 'unknown';
      if (value.value === '') return raw === 'lo' ? 'no' : 'unknown';
      return raw.endsWith('*') ? (value.value.startsWith(raw.slice(0, -1)) ? 'yes' : 'no') : raw === value.value ? 'yes' : 'no';
    }
    case 'addr':
      return typeof raw === 'string' && isIP(raw) !== 0 ? addressIn(value.value, value.family, (l, t) => (isIP(raw) === value.family ? (l.addAddress(raw, t), true) : false)) : 'unknown';
    case 'concat':
      return 'unknown';
  }
}

/** Named sets' elements by name (in the rule's table); undefined when unknown. */
export type SetLookup = (name: string) => readonly unknown[] | undefined;

/** Evaluates one {"match": {op, left, right}} for the packet. */
export function evaluateMatch(match: unknown, packet: ProbePacket, sets: SetLookup): Tri {
  if (typeof match !== 'object' || match === null) return 'unknown';
  const m = match as Record<string, unknown>;
  const value = left(m['left'], packet);
  if (value.kind === 'absent') return 'no';
  const op = m['op'];
  if (op === '==' || op === 'in') return element(value, m['right'], sets);
  if (op === '!=') {
    const answer = element(value, m['right'], sets);
    return answer === 'unknown' ? 'unknown' : answer === 'yes' ? 'no' : 'yes';
  }
  if (value.kind === 'number' && typeof m['right'] === 'number') {
    const r = m['right'];
    const v = value.value;
    const answer = op === '<' ? v < r : op === '>' ? v > r : op === '<=' ? v <= r : op === '>=' ? v >= r : undefined;
    return answer === undefined ? 'unknown' : answer ? 'yes' : 'no';
  }
  return 'unknown';
}

/**
 * A JSON object, or undefined for anything else: nft's JSON is read as untrusted, and a null
 * where an object belongs (`{"meta":null}`) threw a TypeError out of half doctor (review).
 */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
