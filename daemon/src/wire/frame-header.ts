// HALF sync frame header, wire version 3. All integers big-endian (network order).
//
//   offset size field
//   0      2    magic "HS" (0x48 0x53)
//   2      1    version (3)
//   3      1    flags: bit 0 = acknowledgement requested (the sender's resend queue is filling
//               or it probes for lost tail frames); bit 1 = the sender hears nothing on the
//               link this heartbeat went out on (two sync links); bit 2 = the sender was in
//               the sender role when it sent this frame; bit 3 = it was in the receiver role
//               (neither: a node that predates the two); bit 4 = a resend of a data frame
//               first sent in the sender role; other bits reserved, sent as 0
//   4      4    cluster id
//   8      4    sender node id
//   12     4    sender boot epoch (strictly increasing per node across restarts)
//   16     4    sequence number: per sender, RFC 1982 serial arithmetic; a data frame's own
//               number, or for control frames the last data sequence number sent
//   20     8    frame counter: per sender and epoch, +1 for every frame transmitted (resends
//               included); the AEAD nonce and the replay window use it
//   28     n    body, encrypted (AES-256-GCM), then a 16-byte authentication tag
//
// The whole header is the AEAD's associated data, so none of it can be altered. The nonce is
// epoch || counter under a per-sender key (keys.ts): it never repeats as long as a node never
// reuses a boot epoch. Model: conntrack-tools' struct nethdr (include/network.h), with the
// version, cluster and epoch fields it lacks, and RFC 5116 for the AEAD framing.

import type { Role } from './messages.js';

export const FRAME_MAGIC = 0x4853;
export const WIRE_VERSION = 3;
export const HEADER_BYTES = 28;
export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;
/** Header flag: receivers acknowledge this frame's sender right away. */
export const FLAG_ACK_REQUEST = 0x01;
/**
 * The sender heard no authentic frame on the link this frame went out on (heartbeats over two
 * sync links, channel/redundant-pair.ts): whoever hears it there learns that its own frames on
 * that link do not reach this node. Older nodes ignore the bit.
 */
export const FLAG_DEAF = 0x02;
/**
 * The role the sending node was in when it sent this frame (not when it first sent the data: a
 * resend carries the role at the resend). A receiver that took over learns from it that a late
 * frame comes from a node that has stepped down (sync-node.ts). Older nodes set neither bit.
 */
export const FLAG_SENT_AS_SENDER = 0x04;
export const FLAG_SENT_AS_RECEIVER = 0x08;
/**
 * A resend of a data frame first sent in the sender role (the role bits state the role at the
 * resend): a sender that hears, as a late frame of a peer that stepped down, what that peer sent
 * as the sender alongside it (a split brain over a cut sync link, whose ALIVEs never came) knows
 * to merge it (sync-node.ts). Older nodes ignore the bit, and do not set it.
 */
export const FLAG_FIRST_SENT_AS_SENDER = 0x10;
/** The header flag that states `role`. */
export function roleFlag(role: Role): number {
  return role === 'sender' ? FLAG_SENT_AS_SENDER : FLAG_SENT_AS_RECEIVER;
}

/** The role a frame's flags state its sender was in, if they state one (and only one). */
export function sentAs(flags: number): Role | undefined {
  const stated = flags & (FLAG_SENT_AS_SENDER | FLAG_SENT_AS_RECEIVER);
  return stated === FLAG_SENT_AS_SENDER ? 'sender' : stated === FLAG_SENT_AS_RECEIVER ? 'receiver' : undefined;
}

/** Header and tag: what a frame adds around its body. */
export const FRAME_OVERHEAD = HEADER_BYTES + TAG_BYTES;

export interface FrameHeader {
  readonly version: number;
  readonly flags: number;
  readonly clusterId: number;
  readonly nodeId: number;
  readonly bootEpoch: number;
  readonly seq: number;
  /** Below 2^53 (it counts frames; it would take centuries to get there). */
  readonly counter: number;
}

const TWO_32 = 0x1_0000_0000;

export function writeHeader(target: Buffer, header: FrameHeader): void {
  target.writeUInt16BE(FRAME_MAGIC, 0);
  target.writeUInt8(header.version, 2);
  target.writeUInt8(header.flags, 3);
  target.writeUInt32BE(header.clusterId >>> 0, 4);
  target.writeUInt32BE(header.nodeId >>> 0, 8);
  target.writeUInt32BE(header.bootEpoch >>> 0, 12);
  target.writeUInt32BE(header.seq >>> 0, 16);
  target.writeUInt32BE(Math.floor(header.counter / TWO_32) >>> 0, 20);
  target.writeUInt32BE(header.counter >>> 0, 24);
}

/** Reads a header; the caller has checked that at least HEADER_BYTES are present. */
export function readHeader(source: Buffer): FrameHeader {
  return {
    version: source.readUInt8(2),
    flags: source.readUInt8(3),
    clusterId: source.readUInt32BE(4),
    nodeId: source.readUInt32BE(8),
    bootEpoch: source.readUInt32BE(12),
    seq: source.readUInt32BE(16),
    counter: source.readUInt32BE(20) * TWO_32 + source.readUInt32BE(24),
  };
}

export function hasMagic(source: Buffer): boolean {
  return source.length >= 2 && source.readUInt16BE(0) === FRAME_MAGIC;
}

/** The 96-bit AEAD nonce: boot epoch (4 bytes) then frame counter (8 bytes), read from a header. */
export function nonceOf(header: Buffer): Buffer {
  const nonce = Buffer.allocUnsafe(NONCE_BYTES);
  header.copy(nonce, 0, 12, 16);
  header.copy(nonce, 4, 20, 28);
  return nonce;
}
