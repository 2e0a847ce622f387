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

const TCP_STATES = /^(SYN_SENT|SYN_RECV|ESTABLISHED|FIN_WAIT|CLOSE_WAIT|LAST_ACK|TIME_WAIT|CLOSE|SYN_SENT2)$/;

export function parseTableLine(line: string): TableEntry | undefined {
  const words = line.trim().split(/\s+/);
  const proto = words[0];
  if (proto === undefined || !/^(tcp|udp|icmp|sctp|dccp|udplite|unknown|gre)$/.test(proto)) return undefined;
  const state = words.find((w) => TCP_STATES.test(w));
  const values = (key: string): string[] => words.filter((w) => w.startsWith(`${key}=`)).map((w) => w.slice(key.length + 1));
  const [src0, src1] = values('src');
  const [dst0, dst1] = values('dst');
  const [sport0, sport1] = values('sport').map(Number);
  const [dport0, dport1] = values('dport').map(Number);
  if (src0 === undefined || dst0 === undefined || sport0 === undefined || dport0 === undefined) return undefined;
  const hasReply = src1 !== undefined && dst1 !== undefined && sport1 !== undefined && dport1 !== undefined;
  return {
    proto,
    state,
    orig: { src: src0, dst: dst0, sport: sport0, dport: dport0 },
    reply: hasReply ? { src: src1, dst: dst1, sport: sport1, dport: dport1 } : undefined,
    assured: words.includes('[ASSURED]'),
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
  return active
    .filter((e) => isEstablishedFlow(e) && !ignored.includes(e.orig.src) && !ignored.includes(e.reply?.src ?? ''))
    .map(entryKey)
    .filter((k) => !have.has(k));
}
