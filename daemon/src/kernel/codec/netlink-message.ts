// Netlink message framing: the 16-byte nlmsghdr, NLMSG_ERROR/NLMSG_DONE replies and walking the
// messages packed into one datagram. Header fields are in host byte order; HALF targets
// little-endian hosts (amd64, arm64), so they are read and written little-endian.
//
// Spec: include/uapi/linux/netlink.h (struct nlmsghdr, NLM_F_*, NLMSG_*, struct nlmsgerr) and
// netlink(7). The kernel answers every request whose processing failed with an NLMSG_ERROR that
// carries the request's sequence number, and a successful one with an ACK (error 0) only when
// NLM_F_ACK was set (net/netlink/af_netlink.c netlink_rcv_skb / netlink_ack).

export const NLMSG_HDRLEN = 16;

export const NlMsgType = {
  noop: 1,
  error: 2,
  done: 3,
  overrun: 4,
  /** Types below this are netlink control messages. */
  minType: 0x10,
} as const;

export const NlmFlag = {
  request: 0x01,
  multi: 0x02,
  ack: 0x04,
  echo: 0x08,
  dumpInterrupted: 0x10,
  // GET requests
  root: 0x100,
  match: 0x200,
  dump: 0x300,
  // NEW requests
  replace: 0x100,
  excl: 0x200,
  create: 0x400,
  append: 0x800,
  // on NLMSG_ERROR replies
  capped: 0x100,
  ackTlvs: 0x200,
} as const;

export function nlAlign(length: number): number {
  return (length + 3) & ~3;
}

/**
 * A cursor over the messages of one datagram. `next()` moves to the following message and
 * returns false at the end or on a malformed header (then `error` says why); it never throws
 * and never reads outside `buf`.
 */
export class MessageCursor {
  type = 0;
  flags = 0;
  seq = 0;
  pid = 0;
  /** Offset of the header. */
  start = 0;
  /** Offset just past the message (start + nlmsg_len). */
  end = 0;
  error: string | undefined;
  private offset: number;

  constructor(
    readonly buf: Buffer,
    from = 0,
    private readonly limit = buf.length,
  ) {
    this.offset = from;
  }

  next(): boolean {
    const { buf } = this;
    const at = this.offset;
    if (at >= this.limit) return false;
    if (at + NLMSG_HDRLEN > this.limit) {
      this.error = `truncated netlink header at offset ${at} (${this.limit - at} bytes left)`;
      return false;
    }
    const length = buf.readUInt32LE(at);
    if (length < NLMSG_HDRLEN || at + length > this.limit) {
      this.error = `netlink message at offset ${at} claims ${length} bytes, ${this.limit - at} available`;
      return false;
    }
    this.type = buf.readUInt16LE(at + 4);
    this.flags = buf.readUInt16LE(at + 6);
    this.seq = buf.readUInt32LE(at + 8);
    this.pid = buf.readUInt32LE(at + 12);
    this.start = at;
    this.end = at + length;
    this.offset = at + nlAlign(length);
    return true;
  }

  /** Offset of the payload (just after the header). */
  get payload(): number {
    return this.start + NLMSG_HDRLEN;
  }
}

/**
 * The errno carried by an NLMSG_ERROR message: 0 for an ACK, a positive errno for a failure
 * (the kernel sends it negated), or undefined when the message is too short to hold one.
 */
export function errorCodeOf(cursor: MessageCursor): number | undefined {
  if (cursor.end - cursor.payload < 4) return undefined;
  return -cursor.buf.readInt32LE(cursor.payload) | 0;
}

/** Writes a netlink header at `at`; the length is patched later with `setMessageLength`. */
export function writeHeader(buf: Buffer, at: number, type: number, flags: number, seq: number, pid = 0): void {
  buf.writeUInt32LE(NLMSG_HDRLEN, at);
  buf.writeUInt16LE(type, at + 4);
  buf.writeUInt16LE(flags, at + 6);
  buf.writeUInt32LE(seq >>> 0, at + 8);
  buf.writeUInt32LE(pid >>> 0, at + 12);
}
