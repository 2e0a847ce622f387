// Record keys: the identity of a conntrack entry or expectation as fixed-width bytes, equal on
// every node for the same flow (see record-mapping.ts for the whole record layout).
//
//   conntrack    [family 2|10][protocol][zone u16][src][dst][l4: sport,dport | type,code,id]
//                (the zone of the original direction: the entry's zone, or the original tuple's
//                own; with the original tuple it is what the kernel finds the entry by, and no
//                two entries share both)
//   expectation  [family][protocol][zone][expected tuple as above][mask tuple as above]
//                (the number of the master's zone, whatever its direction: what the kernel
//                deletes the expectation by and tells expectations apart with)
import { Table } from '../model/record.js';
import type { ConntrackEntry, Expectation, Family, Tuple, ConntrackIdentity } from './ct-entry.js';
import { expectationZone, IpProto } from './ct-entry.js';
import { fail, type DecodeResult } from './codec/decode-result.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './codec/ip-address.js';
import { EntryEncodeError } from './errors.js';

export type KernelObject = { readonly table: 'conntrack'; readonly entry: ConntrackEntry } | { readonly table: 'expectation'; readonly expectation: Expectation };

export function conntrackKey(e: ConntrackIdentity): Uint8Array {
  const size = e.family === 'ipv4' ? 4 : 16;
  const key = new Uint8Array(4 + 2 * size + 4);
  key[0] = e.family === 'ipv4' ? 2 : 10;
  key[1] = e.orig.proto;
  const zone = e.orig.zone ?? e.zone;
  key[2] = zone >> 8;
  key[3] = zone & 0xff;
  writeTupleKey(key, 4, e.orig, e.family);
  return key;
}

export function expectationKey(x: Pick<Expectation, 'family' | 'tuple' | 'mask' | 'zone' | 'masterReplyZone'>): Uint8Array {
  const size = e4or16(x.family);
  const part = 2 * size + 4;
  const key = new Uint8Array(4 + 2 * part);
  const zone = expectationZone(x);
  key[0] = x.family === 'ipv4' ? 2 : 10;
  key[1] = x.tuple.proto;
  key[2] = zone >> 8;
  key[3] = zone & 0xff;
  writeTupleKey(key, 4, x.tuple, x.family);
  writeTupleKey(key, 4 + part, x.mask, x.family);
  return key;
}

function e4or16(family: Family): number {
  return family === 'ipv4' ? 4 : 16;
}

function writeTupleKey(key: Uint8Array, at: number, t: Tuple, family: Family): void {
  const size = e4or16(family);
  key.set(addressBytes(t.src, family), at);
  key.set(addressBytes(t.dst, family), at + size);
  const l4 = at + 2 * size;
  if (t.proto === IpProto.icmp || t.proto === IpProto.icmpv6) {
    key[l4] = t.icmpType ?? 0;
    key[l4 + 1] = t.icmpCode ?? 0;
    key[l4 + 2] = (t.icmpId ?? 0) >> 8;
    key[l4 + 3] = (t.icmpId ?? 0) & 0xff;
  } else {
    key[l4] = (t.sport ?? 0) >> 8;
    key[l4 + 1] = (t.sport ?? 0) & 0xff;
    key[l4 + 2] = (t.dport ?? 0) >> 8;
    key[l4 + 3] = (t.dport ?? 0) & 0xff;
  }
}

function addressBytes(text: string, family: Family): Uint8Array {
  if (family === 'ipv4') {
    const v = parseIPv4(text);
    if (v !== undefined) return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  } else {
    const v = parseIPv6(text);
    if (v !== undefined) return v;
  }
  throw new EntryEncodeError(`"${text}" is not an ${family} address`);
}

/**
 * Rebuilds the identifying part of an entry or expectation from its key, enough to delete it
 * (the reply tuple and the master are stand-ins). An entry's zone is the original direction's,
 * which as CTA_ZONE finds the entry whether its zone is of both directions or of the original
 * alone; an expectation's is its master's zone number, what the kernel deletes it by.
 */
export function keyToObject(table: number, key: Uint8Array): DecodeResult<KernelObject> {
  const family: Family | undefined = key[0] === 2 ? 'ipv4' : key[0] === 10 ? 'ipv6' : undefined;
  if (family === undefined || key.length < 4) return fail('record key of unknown address family');
  const size = e4or16(family);
  const part = 2 * size + 4;
  const proto = key[1] as number;
  const zone = ((key[2] as number) << 8) | (key[3] as number);
  if (table === Table.conntrack && key.length === 4 + part) {
    const orig = tupleFromKey(key, 4, family, proto);
    return { ok: true, value: { table: 'conntrack', entry: { family, orig, reply: orig, zone } } };
  }
  if (table === Table.expectation && key.length === 4 + 2 * part) {
    const tuple = tupleFromKey(key, 4, family, proto);
    const mask = tupleFromKey(key, 4 + part, family, proto);
    return { ok: true, value: { table: 'expectation', expectation: { family, master: tuple, tuple, mask, zone, flags: 0, class: 0 } } };
  }
  return fail(`record key of ${key.length} bytes does not fit table ${table}`);
}

function tupleFromKey(key: Uint8Array, at: number, family: Family, proto: number): Tuple {
  const buf = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const size = e4or16(family);
  const fmt = (o: number): string => (family === 'ipv4' ? formatIPv4(buf, o) : formatIPv6(buf, o));
  const l4 = at + 2 * size;
  const base = { src: fmt(at), dst: fmt(at + size), proto };
  if (proto === IpProto.icmp || proto === IpProto.icmpv6) {
    return { ...base, icmpType: buf[l4] as number, icmpCode: buf[l4 + 1] as number, icmpId: buf.readUInt16BE(l4 + 2) };
  }
  return { ...base, sport: buf.readUInt16BE(l4), dport: buf.readUInt16BE(l4 + 2) };
}
