// nfnetlink: the netfilter netlink family. Every message starts with struct nfgenmsg (family,
// version, res_id) after the netlink header; the message type is (subsystem << 8) | operation.
//
// Spec: include/uapi/linux/netfilter/nfnetlink.h (struct nfgenmsg, NFNL_SUBSYS_*,
// enum nfnetlink_groups) and include/uapi/linux/netfilter/nfnetlink_conntrack.h
// (enum cntl_msg_types, enum ctnl_exp_msg_types).
import type { AttrWriter } from './netlink-attr.js';
import { NLMSG_HDRLEN, writeHeader } from './netlink-message.js';

/** Netlink protocol number of NETLINK_NETFILTER (include/uapi/linux/netlink.h). */
export const NETLINK_NETFILTER = 12;

export const NFGENMSG_LEN = 4;
export const NFNETLINK_V0 = 0;

export const NfnlSubsys = {
  ctnetlink: 1,
  ctnetlinkExp: 2,
} as const;

/** enum cntl_msg_types */
export const CtMsg = {
  new: 0,
  get: 1,
  delete: 2,
  getCtrZero: 3,
  getStatsCpu: 4,
  getStats: 5,
  getDying: 6,
  getUnconfirmed: 7,
} as const;

/** enum ctnl_exp_msg_types */
export const ExpMsg = {
  new: 0,
  get: 1,
  delete: 2,
  getStatsCpu: 3,
} as const;

/** enum nfnetlink_groups: multicast groups to join for events. */
export const NfnlGroup = {
  conntrackNew: 1,
  conntrackUpdate: 2,
  conntrackDestroy: 3,
  expNew: 4,
  expUpdate: 5,
  expDestroy: 6,
} as const;

/** Address families as nfgen_family carries them (AF_UNSPEC means "all" in dumps/flushes). */
export const AddressFamily = {
  unspec: 0,
  inet: 2,
  inet6: 10,
} as const;

export function nfMessageType(subsys: number, operation: number): number {
  return (subsys << 8) | operation;
}

export function subsysOf(type: number): number {
  return (type >> 8) & 0xff;
}

export function operationOf(type: number): number {
  return type & 0xff;
}

/** Starts an nfnetlink message (netlink header + nfgenmsg); returns its offset for `endMessage`. */
export function beginMessage(w: AttrWriter, type: number, flags: number, seq: number, family: number, version = NFNETLINK_V0): number {
  w.ensure(NLMSG_HDRLEN + NFGENMSG_LEN);
  const at = w.pos;
  writeHeader(w.buf, at, type, flags, seq);
  w.buf[at + NLMSG_HDRLEN] = family;
  w.buf[at + NLMSG_HDRLEN + 1] = version;
  w.buf.writeUInt16BE(0, at + NLMSG_HDRLEN + 2);
  w.pos = at + NLMSG_HDRLEN + NFGENMSG_LEN;
  return at;
}

/** Patches the message length (all our attributes are 4-byte aligned, so no tail padding). */
export function endMessage(w: AttrWriter, at: number): void {
  w.buf.writeUInt32LE(w.pos - at, at);
}
