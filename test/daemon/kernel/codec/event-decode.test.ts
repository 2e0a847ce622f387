import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../../daemon/src/kernel/ct-entry.js';
import { decodeConntrackMessage } from '../../../../daemon/src/kernel/codec/ct-decode.js';
import { encodeReplicaAttrs } from '../../../../daemon/src/kernel/codec/ct-encode.js';
import { decodeEvent } from '../../../../daemon/src/kernel/codec/event-decode.js';
import { decodeExpectationMessage, encodeExpectationReplicaAttrs } from '../../../../daemon/src/kernel/codec/exp-codec.js';
import { AttrWriter } from '../../../../daemon/src/kernel/codec/netlink-attr.js';
import { MessageCursor, NlmFlag } from '../../../../daemon/src/kernel/codec/netlink-message.js';
import { beginMessage, CtMsg, endMessage, ExpMsg, NfnlSubsys, nfMessageType } from '../../../../daemon/src/kernel/codec/nfnetlink.js';
import { SAMPLE_ENTRIES, SAMPLE_EXPECTATION } from '../helpers/sample-entries.js';

/** An event as the kernel sends it: nlmsg_pid is the port of the request's sender. */
function ctEvent(entry: ConntrackEntry, op: number, flags: number, pid: number): Buffer {
  const w = new AttrWriter();
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, op), flags, 0, entry.family === 'ipv4' ? 2 : 10);
  encodeReplicaAttrs(w, entry);
  endMessage(w, at);
  w.buf.writeUInt32LE(pid, at + 12);
  return w.take();
}

function expEvent(op: number, flags: number): Buffer {
  const w = new AttrWriter();
  const at = beginMessage(w, nfMessageType(NfnlSubsys.ctnetlinkExp, op), flags, 0, 2);
  encodeExpectationReplicaAttrs(w, SAMPLE_EXPECTATION);
  endMessage(w, at);
  return w.take();
}

function decodeAll(buf: Buffer): unknown[] {
  const c = new MessageCursor(buf);
  const out: unknown[] = [];
  while (c.next()) out.push(decodeEvent(c));
  if (c.error !== undefined) out.push({ cursorError: c.error });
  return out;
}

describe('event decoding', () => {
  it('tells NEW, UPDATE and DESTROY apart and keeps the origin port', () => {
    const e = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    const { id: _i, use: _u, ...replicated } = e;
    const datagram = Buffer.concat([
      ctEvent(e, CtMsg.new, NlmFlag.create | NlmFlag.excl, 0),
      ctEvent(e, CtMsg.new, 0, 4242),
      ctEvent(e, CtMsg.delete, 0, 0),
      expEvent(ExpMsg.new, NlmFlag.create | NlmFlag.excl),
      expEvent(ExpMsg.delete, 0),
    ]);
    const { id: _x, ...expectation } = SAMPLE_EXPECTATION;
    expect(decodeAll(datagram)).toEqual([
      { ok: true, value: { table: 'conntrack', type: 'new', entry: replicated, originPort: 0 } },
      { ok: true, value: { table: 'conntrack', type: 'update', entry: replicated, originPort: 4242 } },
      { ok: true, value: { table: 'conntrack', type: 'destroy', entry: replicated, originPort: 0 } },
      { ok: true, value: { table: 'expectation', type: 'new', expectation, originPort: 0 } },
      { ok: true, value: { table: 'expectation', type: 'destroy', expectation, originPort: 0 } },
    ]);
  });

  it('ignores messages that are not events', () => {
    const w = new AttrWriter();
    endMessage(w, beginMessage(w, nfMessageType(NfnlSubsys.ctnetlink, CtMsg.getStats), 0, 0, 0));
    expect(decodeAll(w.take())).toEqual([{ ok: true, value: undefined }]);
  });

  describe('fuzzing: the decoders never throw', () => {
    const valid = Buffer.concat([
      ...Object.values(SAMPLE_ENTRIES).map((e) => ctEvent(e, CtMsg.new, NlmFlag.create, 1)),
      expEvent(ExpMsg.new, NlmFlag.create),
    ]);
    const decodeEverything = (buf: Buffer): void => {
      decodeAll(buf);
      decodeConntrackMessage(buf, 0, buf.length);
      decodeExpectationMessage(buf, 0, buf.length);
      decodeConntrackMessage(buf, 16, buf.length);
    };
    let seed = 12345;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

    it('on every truncation of a valid datagram', () => {
      for (let n = 0; n <= valid.length; n++) expect(() => decodeEverything(Buffer.from(valid.subarray(0, n)))).not.toThrow();
    });

    it('on bit flips, byte overwrites and random garbage', () => {
      for (let i = 0; i < 3000; i++) {
        const buf = Buffer.from(valid);
        const flips = 1 + Math.floor(random() * 8);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(random() * buf.length);
          buf[at] = random() < 0.5 ? (buf[at] as number) ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
        }
        expect(() => decodeEverything(buf)).not.toThrow();
      }
      for (let i = 0; i < 500; i++) {
        const buf = Buffer.alloc(Math.floor(random() * 400));
        for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(random() * 256);
        if (buf.length >= 4) buf.writeUInt32LE(buf.length, 0);
        expect(() => decodeEverything(buf)).not.toThrow();
      }
    });
  });
});
