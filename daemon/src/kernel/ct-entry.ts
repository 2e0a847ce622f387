// Conntrack entries and expectations as HALF reads them from the kernel: readable fields
// (addresses as canonical strings, numbers for everything else) so tests and logs can show and
// compare them, and plain JSON values only (no bigint, no byte arrays) so they cross process
// boundaries unchanged. The codec (codec/ct-message.ts, codec/exp-message.ts) maps them to and
// from ctnetlink; record-mapping.ts maps them to and from the sync layer's FlowRecords.

export type Family = 'ipv4' | 'ipv6';

/** IP protocol numbers of the protocols whose state HALF replicates. */
export const IpProto = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  dccp: 33,
  gre: 47,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
} as const;

/**
 * One direction of a connection. Ports are set for TCP, UDP, UDP-Lite, SCTP and DCCP; for GRE
 * they hold the keys (the kernel reports them as ports); ICMP and ICMPv6 carry type, code and id.
 */
export interface Tuple {
  readonly src: string;
  readonly dst: string;
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly icmpId?: number;
  /**
   * The zone of this direction alone (CTA_TUPLE_ZONE: iptables' `CT --zone-orig`/`--zone-reply`,
   * nft's `ct original zone set`). Absent for a zone of both directions, which is the entry's
   * `zone`. The kernel keeps one zone per entry: an entry has a zone of both directions, or one of
   * its tuples carries a zone, never both.
   */
  readonly zone?: number;
}

/** TCP state (enum tcp_conntrack), window scales and IP_CT_TCP_FLAG_* per direction. */
export interface TcpInfo {
  readonly proto: 'tcp';
  readonly state: number;
  readonly wscaleOrig?: number;
  readonly wscaleReply?: number;
  readonly flagsOrig?: number;
  readonly flagsReply?: number;
}

/** SCTP state (enum sctp_conntrack) and verification tags. */
export interface SctpInfo {
  readonly proto: 'sctp';
  readonly state: number;
  readonly vtagOrig?: number;
  readonly vtagReply?: number;
}

/** DCCP state (enum ct_dccp_states), role and handshake sequence number (48 bits). */
export interface DccpInfo {
  readonly proto: 'dccp';
  readonly state: number;
  readonly role?: number;
  readonly handshakeSeq?: number;
}

export type ProtoInfo = TcpInfo | SctpInfo | DccpInfo;

/** TCP sequence adjustment of one direction (NAT helpers that rewrite payload, e.g. FTP). */
export interface SeqAdj {
  readonly correctionPos: number;
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

/**
 * What SYNPROXY keeps on a connection it opened (struct nf_conn_synproxy): the initial sequence
 * number and timestamp it answered the client with, and the offset between the server's
 * timestamps and its own. With the sequence adjustment it sets (seqAdjReply), the kernel rewrites
 * every later packet of the connection by them.
 */
export interface Synproxy {
  readonly isn: number;
  readonly its: number;
  readonly tsoff: number;
}

export interface Counters {
  readonly packets: number;
  readonly bytes: number;
}

/**
 * A conntrack entry. Dumps fill every field the kernel has; update events carry only what
 * changed (see mergeEntry in codec/ct-message.ts), so optional fields mean "not reported".
 */
export interface ConntrackEntry {
  readonly family: Family;
  readonly orig: Tuple;
  /** The reply tuple: differs from the inverted original when NAT applies. */
  readonly reply: Tuple;
  /** IPS_* bits (include/uapi/linux/netfilter/nf_conntrack_common.h), see codec/ct-status.ts. */
  readonly status?: number;
  /** Remaining lifetime in seconds. */
  readonly timeout?: number;
  readonly mark?: number;
  /**
   * Conntrack zone of both directions (CTA_ZONE); 0 (the default zone) when the kernel reports
   * none, and when the zone is set for one direction only (then that tuple's `zone`).
   */
  readonly zone: number;
  /** Set connlabel bits (0..127), ascending. */
  readonly labels?: readonly number[];
  /** Name of the attached helper (e.g. "ftp"). */
  readonly helper?: string;
  readonly protoinfo?: ProtoInfo;
  readonly seqAdjOrig?: SeqAdj;
  readonly seqAdjReply?: SeqAdj;
  /** SYNPROXY's state of a connection it opened (CTA_SYNPROXY). */
  readonly synproxy?: Synproxy;
  /** Original tuple of the master connection, for expected (RELATED) connections. */
  readonly master?: Tuple;
  /** Security context name (reported only; the kernel cannot set it over netlink). */
  readonly secctx?: string;
  /** Kernel id, reference count and counters: reported, never replicated. */
  readonly id?: number;
  readonly use?: number;
  readonly countersOrig?: Counters;
  readonly countersReply?: Counters;
}

/**
 * What identifies a conntrack entry in the kernel: its original tuple and zone (a lookup, delete
 * or record key needs no more; record-key.ts).
 */
export type ConntrackIdentity = Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>;

/** NAT data an expectation applies to the connection it creates (CTA_EXPECT_NAT). */
export interface ExpectationNat {
  /** Direction (0 original, 1 reply) whose source is rewritten. */
  readonly dir: number;
  /** The saved address and port (in src / sport, or icmpId for ICMP). */
  readonly tuple: Tuple;
}

/** A conntrack expectation (a helper's prediction of a RELATED connection). */
export interface Expectation {
  readonly family: Family;
  /** Original tuple of the master connection. */
  readonly master: Tuple;
  /** The expected connection's original tuple and its mask (masked-out parts are wildcards). */
  readonly tuple: Tuple;
  readonly mask: Tuple;
  /** Remaining lifetime in seconds. */
  readonly timeout?: number;
  /**
   * CTA_EXPECT_ZONE as a create needs it: the zone the master is found under by its original
   * tuple (the zone of its original direction; 0 when its zone is of the reply direction alone).
   * In a stand-in rebuilt from a record key to delete the expectation (keyToObject), the key's.
   */
  readonly zone: number;
  /**
   * The master's zone when it is of the reply direction alone. The kernel finds the master under
   * `zone` (0) but updates, deletes and tells expectations apart by the number of the master's
   * zone whatever its direction (nf_ct_exp_zone_equal_any): this one. Never reported by the
   * kernel (runtime/master-zones.ts resolves it); absent otherwise.
   */
  readonly masterReplyZone?: number;
  /** NF_CT_EXPECT_* flags (PERMANENT 1, INACTIVE 2, USERSPACE 4). */
  readonly flags: number;
  readonly class: number;
  /** Helper of the master connection (e.g. "ftp"). */
  readonly helper?: string;
  readonly nat?: ExpectationNat;
  /** Name of the expectation function (e.g. "nat-follow-master"). */
  readonly fn?: string;
  readonly id?: number;
}

/** The zone the kernel updates and deletes an expectation by: the number of its master's zone. */
export function expectationZone(x: Pick<Expectation, 'zone' | 'masterReplyZone'>): number {
  return x.masterReplyZone ?? x.zone;
}
