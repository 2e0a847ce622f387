// Attribute numbers of ctnetlink (conntrack entries and expectations).
//
// Spec: include/uapi/linux/netfilter/nfnetlink_conntrack.h (enum ctattr_*), as of Linux 6.x;
// the TCP flag bits come from include/uapi/linux/netfilter/nf_conntrack_tcp.h.

/** enum ctattr_type */
export const Cta = {
  tupleOrig: 1,
  tupleReply: 2,
  status: 3,
  protoinfo: 4,
  help: 5,
  natSrc: 6,
  timeout: 7,
  mark: 8,
  countersOrig: 9,
  countersReply: 10,
  use: 11,
  id: 12,
  natDst: 13,
  tupleMaster: 14,
  seqAdjOrig: 15,
  seqAdjReply: 16,
  secmark: 17,
  zone: 18,
  secctx: 19,
  timestamp: 20,
  markMask: 21,
  labels: 22,
  labelsMask: 23,
  synproxy: 24,
  filter: 25,
  statusMask: 26,
} as const;

/** enum ctattr_tuple */
export const CtaTuple = { ip: 1, proto: 2, zone: 3 } as const;

/** enum ctattr_ip */
export const CtaIp = { v4Src: 1, v4Dst: 2, v6Src: 3, v6Dst: 4 } as const;

/** enum ctattr_l4proto */
export const CtaProto = {
  num: 1,
  srcPort: 2,
  dstPort: 3,
  icmpId: 4,
  icmpType: 5,
  icmpCode: 6,
  icmpv6Id: 7,
  icmpv6Type: 8,
  icmpv6Code: 9,
} as const;

/** enum ctattr_protoinfo and its per-protocol nests */
export const CtaProtoinfo = { tcp: 1, dccp: 2, sctp: 3 } as const;
export const CtaProtoinfoTcp = { state: 1, wscaleOriginal: 2, wscaleReply: 3, flagsOriginal: 4, flagsReply: 5 } as const;
export const CtaProtoinfoDccp = { state: 1, role: 2, handshakeSeq: 3, pad: 4 } as const;
export const CtaProtoinfoSctp = { state: 1, vtagOriginal: 2, vtagReply: 3 } as const;

/** enum ctattr_counters */
export const CtaCounters = { packets: 1, bytes: 2, packets32: 3, bytes32: 4 } as const;

/** enum ctattr_nat and enum ctattr_protonat */
export const CtaNat = { v4MinIp: 1, v4MaxIp: 2, proto: 3, v6MinIp: 4, v6MaxIp: 5 } as const;
export const CtaProtoNat = { portMin: 1, portMax: 2 } as const;

/** enum ctattr_seqadj */
export const CtaSeqAdj = { correctionPos: 1, offsetBefore: 2, offsetAfter: 3 } as const;
/** enum ctattr_synproxy */
export const CtaSynproxy = { isn: 1, its: 2, tsoff: 3 } as const;

/** enum ctattr_help and enum ctattr_secctx */
export const CtaHelp = { name: 1, info: 2 } as const;
export const CtaSecctx = { name: 1 } as const;

/** enum ctattr_expect and enum ctattr_expect_nat */
export const CtaExpect = {
  master: 1,
  tuple: 2,
  mask: 3,
  timeout: 4,
  id: 5,
  helpName: 6,
  zone: 7,
  flags: 8,
  class: 9,
  nat: 10,
  fn: 11,
} as const;
export const CtaExpectNat = { dir: 1, tuple: 2 } as const;

/** IP_CT_TCP_FLAG_* (struct nf_ct_tcp_flags carries { flags, mask }). */
export const TcpFlag = {
  windowScale: 0x01,
  sackPerm: 0x02,
  closeInit: 0x04,
  beLiberal: 0x08,
  dataUnacknowledged: 0x10,
  maxackSet: 0x20,
  challengeAck: 0x40,
  simultaneousOpen: 0x80,
} as const;

/** Size of the labels bitmap the kernel dumps (NF_CT_LABELS_MAX_SIZE: 128 bits). */
export const LABELS_MAX_BYTES = 16;
