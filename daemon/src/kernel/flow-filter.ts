// Which flows HALF replicates: a pure predicate built from configuration, applied to decoded
// entries (events and dumps). Like conntrackd's Filter section: flows whose initiator or
// responder (original source, reply source) is an ignored address or inside an ignored prefix
// (the firewall's own addresses, the sync link) are left out, and so are protocols and TCP
// states not chosen. A reply destination is not checked, so SNAT to a listed address still
// replicates. Entries whose state is not reported (partial update events) pass the state test.
// The TCP state test chooses which connections are replicated while they are in those states:
// an event of a connection in a state not chosen (an UPDATE to FIN_WAIT, a DESTROY, which since
// Linux 5.9 carries the state) is not dropped but taken as the connection leaving the replicated
// table (`leavesByState`: the event readers pass it on as a DESTROY), as a dump that no longer
// finds it would; dropped, it left the copies holding the connection as it was.
import type { CtScan } from './codec/ct-scan.js';
import type { ConntrackEntry, Expectation } from './ct-entry.js';
import { IpProto } from './ct-entry.js';
import { TCP_STATES } from './codec/ct-states.js';
import { parseAddress } from './codec/ip-address.js';
import { FilterConfigError } from './errors.js';

export interface FlowFilterConfig {
  /** Addresses or CIDR prefixes ("192.0.2.1", "198.51.100.0/24", "2001:db8::/32"). */
  readonly ignoreAddresses?: readonly string[];
  /** Protocols to replicate (names or numbers); absent: every protocol. */
  readonly protocols?: readonly (string | number)[];
  /** Protocols never replicated. */
  readonly ignoreProtocols?: readonly (string | number)[];
  /** TCP states to replicate (conntrack's names, e.g. "ESTABLISHED"); absent: every state. */
  readonly tcpStates?: readonly string[];
}

export interface FlowFilter {
  acceptsEntry(entry: ConntrackEntry): boolean;
  /** The same judgement on a scanned message (the event fast path, codec/ct-scan.ts). */
  acceptsScan(scan: CtScan): boolean;
  /** Expectations are judged by their master connection's original tuple and protocol. */
  acceptsExpectation(expectation: Expectation): boolean;
  /** Not accepted for its TCP state alone (its addresses and protocol are): its copy goes. */
  leavesByState(entry: ConntrackEntry): boolean;
  /** The same judgement on a scanned message. */
  scanLeavesByState(scan: CtScan): boolean;
}

const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: IpProto.icmp, tcp: IpProto.tcp, udp: IpProto.udp, dccp: IpProto.dccp, gre: IpProto.gre,
  icmpv6: IpProto.icmpv6, 'ipv6-icmp': IpProto.icmpv6, sctp: IpProto.sctp, udplite: IpProto.udplite,
};

interface Prefix {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

export const acceptAllFlows: FlowFilter = { acceptsEntry: () => true, acceptsScan: () => true, acceptsExpectation: () => true, leavesByState: () => false, scanLeavesByState: () => false };

/** Builds the filter; a FilterConfigError names the first bad setting. */
export function buildFlowFilter(config: FlowFilterConfig): FlowFilter {
  const prefixes = (config.ignoreAddresses ?? []).map((text, i) => parsePrefix(text, `ignoreAddresses[${i}]`));
  const accepted = config.protocols === undefined ? undefined : new Set(config.protocols.map((p, i) => protocolNumber(p, `protocols[${i}]`)));
  const ignored = new Set((config.ignoreProtocols ?? []).map((p, i) => protocolNumber(p, `ignoreProtocols[${i}]`)));
  const states = config.tcpStates === undefined ? undefined : new Set(config.tcpStates.map((s, i) => tcpState(s, `tcpStates[${i}]`)));
  const cache = new Map<string, boolean>();
  const ignoredAddress = (text: string): boolean => {
    let hit = cache.get(text);
    if (hit === undefined) {
      const address = parseAddress(text);
      hit = address !== undefined && prefixes.some((p) => p.bytes.length === address.bytes.length && inPrefix(address.bytes, p));
      if (cache.size > 4096) cache.clear();
      cache.set(text, hit);
    }
    return hit;
  };
  const acceptsProto = (proto: number): boolean => !ignored.has(proto) && (accepted === undefined || accepted.has(proto));
  // the address bytes themselves: what parseAddress gives back for the text the decoder makes
  const ignoredBytes = (buf: Uint8Array, at: number, length: number): boolean => prefixes.some((p) => p.bytes.length === length && inPrefix(buf, p, at));
  const flowOfEntry = (entry: ConntrackEntry): boolean =>
    acceptsProto(entry.orig.proto) && !(prefixes.length > 0 && (ignoredAddress(entry.orig.src) || ignoredAddress(entry.reply.src)));
  const stateOfEntry = (entry: ConntrackEntry): boolean => states === undefined || entry.protoinfo?.proto !== 'tcp' || states.has(entry.protoinfo.state);
  const flowOfScan = (s: CtScan): boolean =>
    acceptsProto(s.orig.proto) && !(prefixes.length > 0 && (ignoredBytes(s.buf, s.orig.src, s.addrLen) || ignoredBytes(s.buf, s.reply.src, s.addrLen)));
  const stateOfScan = (s: CtScan): boolean => states === undefined || !s.tcp || states.has(s.tcpState);
  return {
    acceptsEntry: (entry) => flowOfEntry(entry) && stateOfEntry(entry),
    acceptsScan: (s) => flowOfScan(s) && stateOfScan(s),
    leavesByState: (entry) => !stateOfEntry(entry) && flowOfEntry(entry),
    scanLeavesByState: (s) => !stateOfScan(s) && flowOfScan(s),
    acceptsExpectation(x) {
      if (!acceptsProto(x.master.proto)) return false;
      return !(prefixes.length > 0 && (ignoredAddress(x.master.src) || ignoredAddress(x.master.dst)));
    },
  };
}

function parsePrefix(text: string, setting: string): Prefix {
  const [address, length, extra] = text.split('/');
  const parsed = address === undefined ? undefined : parseAddress(address.trim());
  if (parsed === undefined || extra !== undefined) {
    throw new FilterConfigError(setting, `"${text}" is not an IP address or prefix`, { hint: 'write an address such as 192.0.2.1 or a prefix such as 198.51.100.0/24 or 2001:db8::/32' });
  }
  const max = parsed.bytes.length * 8;
  const bits = length === undefined ? max : Number(length);
  if (!Number.isInteger(bits) || bits < 0 || bits > max || (length !== undefined && !/^\d+$/.test(length))) {
    throw new FilterConfigError(setting, `prefix length in "${text}" must be 0..${max}`, { hint: `write the prefix length as a whole number from 0 to ${max}, e.g. ${parsed.bytes.length === 4 ? '198.51.100.0/24' : '2001:db8::/32'}` });
  }
  return { bytes: parsed.bytes, bits };
}

function inPrefix(address: Uint8Array, p: Prefix, at = 0): boolean {
  let bits = p.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((address[at + i] as number) & mask) !== ((p.bytes[i] as number) & mask)) return false;
  }
  return true;
}

function protocolNumber(value: string | number, setting: string): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : PROTOCOLS[value.toLowerCase()];
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 255) {
    throw new FilterConfigError(setting, `unknown protocol "${value}"`, { hint: `use a number 0..255 or one of ${Object.keys(PROTOCOLS).join(', ')}` });
  }
  return n;
}

function tcpState(name: string, setting: string): number {
  const i = TCP_STATES.indexOf(name.toUpperCase());
  if (i < 0) throw new FilterConfigError(setting, `unknown TCP state "${name}"`, { hint: `use one of ${TCP_STATES.join(', ')}` });
  return i;
}
