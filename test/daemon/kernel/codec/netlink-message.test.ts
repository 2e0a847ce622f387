import { describe, expect, it } from 'vitest';
import { errorCodeOf, MessageCursor, NlMsgType, NLMSG_HDRLEN, writeHeader } from '../../../../daemon/src/kernel/codec/netlink-message.js';

function errorMessage(seq: number, errno: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HDRLEN + 4 + NLMSG_HDRLEN);
  writeHeader(buf, 0, NlMsgType.error, 0, seq);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeInt32LE(-errno, NLMSG_HDRLEN);
  return buf;
}

describe('MessageCursor', () => {
  it('walks several messages of one datagram and reads NLMSG_ERROR codes', () => {
    const datagram = Buffer.concat([errorMessage(7, 17), errorMessage(8, 0)]);
    const c = new MessageCursor(datagram);
    const seen: [number, number, number | undefined][] = [];
    while (c.next()) seen.push([c.type, c.seq, errorCodeOf(c)]);
    expect(c.error).toBeUndefined();
    expect(seen).toEqual([[NlMsgType.error, 7, 17], [NlMsgType.error, 8, 0]]);
  });

  it('stops with an error on a truncated or lying header', () => {
    const msg = errorMessage(1, 0);
    const truncated = new MessageCursor(msg.subarray(0, 10));
    expect(truncated.next()).toBe(false);
    expect(truncated.error).toMatch(/truncated netlink header/);
    msg.writeUInt32LE(4096, 0);
    const lying = new MessageCursor(msg);
    expect(lying.next()).toBe(false);
    expect(lying.error).toMatch(/claims 4096 bytes/);
  });
});
