// Reads the text tables of conntrack(8) (`conntrack -L`) and conntrackd(8) (`conntrackd -i/-e`,
// the caches): one entry per line, "proto num [timeout] [STATE] src= dst= sport= dport= … src=
// dst= sport= dport= … [ASSURED] …" (conntrack-tools src/conntrack.c and src/cache.c print the
// same libnetfilter_conntrack format; conntrackd's caches show the original tuple only, and
// keep NAT as separate attributes). Only the fields the harness compares are kept. Pure.

export interface TableEntry {
  readonly proto: string;
  readonly state: string | undefined;
  readonly orig: { readonly src: string; readonly dst: string; readonly sport: number; readonly dport: number };
  /** Absent in conntrackd's cache dumps. */
  readonly reply: { readonly src: string; readonly dst: string; readonly sport: number; readonly dport: number } | undefined;
  readonly assured: boolean;
}

const TCP_STATES = new Set(['SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2']);
const PROTOS = new Set(['tcp', 'udp', 'icmp', 'sctp', 'dccp', 'udplite', 'unknown', 'gre']);
// one regular expression per line: a scale run compares tables of 100,000 entries and more
const LINE = /^(\S+)\s+\d+\s+(?:\d+\s+)?(?:([A-Z][A-Z_0-9]*)\s+)?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)(?:\s.*?\bsrc=(\S+) dst=(\S+) sport=(\d+) dport=(\d+))?/;

export function parseTableLine(line: string): TableEntry | undefined {
  const m = LINE.exec(line.trimStart());
  if (m === null || !PROTOS.has(m[1] as string)) return undefined;
  const state = m[2] !== undefined && TCP_STATES.has(m[2]) ? m[2] : undefined;
  return {
    proto: m[1] as string,
    state,
    orig: { src: m[3] as string, dst: m[4] as string, sport: Number(m[5]), dport: Number(m[6]) },
    reply: m[7] === undefined ? undefined : { src: m[7], dst: m[8] as string, sport: Number(m[9]), dport: Number(m[10]) },
    assured: line.includes('[ASSURED]'),
  };
}

export function parseTable(text: string): TableEntry[] {
  return text.split('\n').map(parseTableLine).filter((e): e is TableEntry => e !== undefined);
}

/** The original tuple, which identifies a flow: "tcp 192.0.2.128:20000>198.51.100.128:7000". */
export function entryKey(e: TableEntry): string {
  return `${e.proto} ${e.orig.src}:${e.orig.sport}>${e.orig.dst}:${e.orig.dport}`;
}

/** Established flows: assured TCP in ESTABLISHED, assured UDP. */
export function isEstablishedFlow(e: TableEntry): boolean {
  return e.assured && (e.proto === 'udp' || (e.proto === 'tcp' && e.state === 'ESTABLISHED'));
}

/** Keys of `active`'s established flows that `replica` lacks (ignoring `ignored` addresses, as
 *  conntrackd's Address Ignore does: original source or reply source). */
export function missingFromReplica(active: readonly TableEntry[], replica: readonly TableEntry[], ignored: readonly string[]): string[] {
  const have = new Set(replica.map(entryKey));
  const skip = new Set(ignored);
  return active
    .filter((e) => isEstablishedFlow(e) && !skip.has(e.orig.src) && !skip.has(e.reply?.src ?? ''))
    .map(entryKey)
    .filter((k) => !have.has(k));
}
