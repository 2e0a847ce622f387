// Conntrack status bits and which of them a create or update may carry.
//
// Spec: include/uapi/linux/netfilter/nf_conntrack_common.h (enum ip_conntrack_status,
// IPS_UNCHANGEABLE_MASK). What the kernel accepts is in nf_ct_change_status_common
// (net/netfilter/nf_conntrack_core.c), called by ctnetlink for CTA_STATUS:
//  - a bit of EXPECTED, CONFIRMED or DYING that differs from the entry's is refused (EBUSY);
//  - SEEN_REPLY and ASSURED can be set but never cleared (EBUSY);
//  - bits in IPS_UNCHANGEABLE_MASK (NAT, NAT_DONE, SEQ_ADJUST, TEMPLATE, OFFLOAD…) are ignored;
//    NAT bits come from CTA_NAT_SRC/DST, SEQ_ADJUST from CTA_SEQ_ADJ_*.
// ctnetlink_create_conntrack sets CONFIRMED before applying CTA_STATUS, and EXPECTED only later
// (from CTA_TUPLE_MASTER): so a create must carry CONFIRMED and not EXPECTED. That is why
// SEEN_REPLY|ASSURED alone answered EBUSY; libnetfilter_conntrack ORs in CONFIRMED itself, and
// conntrackd clears EXPECTED before it creates.

export const Ips = {
  expected: 1 << 0,
  seenReply: 1 << 1,
  assured: 1 << 2,
  confirmed: 1 << 3,
  srcNat: 1 << 4,
  dstNat: 1 << 5,
  seqAdjust: 1 << 6,
  srcNatDone: 1 << 7,
  dstNatDone: 1 << 8,
  dying: 1 << 9,
  fixedTimeout: 1 << 10,
  template: 1 << 11,
  untracked: 1 << 12,
  helper: 1 << 13,
  offload: 1 << 14,
  hwOffload: 1 << 15,
} as const;

const NAMES: readonly string[] = [
  'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED', 'SRC_NAT', 'DST_NAT', 'SEQ_ADJUST', 'SRC_NAT_DONE',
  'DST_NAT_DONE', 'DYING', 'FIXED_TIMEOUT', 'TEMPLATE', 'UNTRACKED', 'HELPER', 'OFFLOAD', 'HW_OFFLOAD',
];

/** The names of the set bits, for logs ("SEEN_REPLY|ASSURED|CONFIRMED"). */
export function statusNames(status: number): string {
  const names = NAMES.filter((_, bit) => (status & (1 << bit)) !== 0);
  return names.length === 0 ? '0' : names.join('|');
}

/** CTA_STATUS for creating a copy of an entry whose status is `status`. */
export function statusForCreate(status: number): number {
  return ((status & ~(Ips.expected | Ips.dying)) | Ips.confirmed) >>> 0;
}

/**
 * CTA_STATUS for updating an existing copy: CONFIRMED must match (it is always set), EXPECTED
 * is kept as the source has it (the copy was created with the same master).
 */
export function statusForUpdate(status: number): number {
  return ((status & ~Ips.dying) | Ips.confirmed) >>> 0;
}

/** True when the entry's original direction is source- or destination-NATed. */
export function hasNat(status: number): boolean {
  return (status & (Ips.srcNat | Ips.dstNat)) !== 0;
}
