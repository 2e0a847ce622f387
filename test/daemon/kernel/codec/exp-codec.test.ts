import { describe, expect, it } from 'vitest';
import type { Expectation } from '../../../../daemon/src/kernel/ct-entry.js';
import { CtaExpect } from '../../../../daemon/src/kernel/codec/ctnetlink-attr.js';
import {
  decodeExpectationAttrs, decodeExpectationMessage, encodeExpectationCreate, encodeExpectationDelete,
  encodeExpectationDumpRequest, encodeExpectationFlush, encodeExpectationReplicaAttrs, encodeExpectationUpdate, REPLICA_MASTER_REPLY_ZONE,
} from '../../../../daemon/src/kernel/codec/exp-codec.js';
import { AttrCursor, AttrWriter } from '../../../../daemon/src/kernel/codec/netlink-attr.js';
import { MessageCursor, NlmFlag } from '../../../../daemon/src/kernel/codec/netlink-message.js';
import { ExpMsg, NfnlSubsys, nfMessageType } from '../../../../daemon/src/kernel/codec/nfnetlink.js';
import { expectGoldenBytes } from '../helpers/golden-bytes.js';
import { SAMPLE_EXPECTATION } from '../helpers/sample-entries.js';

function message(build: (w: AttrWriter) => void): { buf: Buffer; c: MessageCursor; types: number[] } {
  const w = new AttrWriter();
  build(w);
  const buf = w.take();
  const c = new MessageCursor(buf);
  expect(c.next()).toBe(true);
  const a = new AttrCursor(buf, c.payload + 4, c.end);
  const types: number[] = [];
  while (a.next()) types.push(a.type);
  return { buf, c, types };
}

describe('expectation codec', () => {
  it('round-trips the replica form (everything but the id)', () => {
    const w = new AttrWriter();
    encodeExpectationReplicaAttrs(w, SAMPLE_EXPECTATION);
    const { id: _id, ...replicated } = SAMPLE_EXPECTATION;
    expect(decodeExpectationAttrs(w.take(), 0, w.pos, 'ipv4')).toEqual({ ok: true, value: replicated });
  });

  it('round-trips a create message; the helper is named only for a non-zero class', () => {
    const { buf, c, types } = message((w) => encodeExpectationCreate(w, SAMPLE_EXPECTATION, 11, 0));
    expect(c.type).toBe(nfMessageType(NfnlSubsys.ctnetlinkExp, ExpMsg.new));
    expect(c.flags).toBe(NlmFlag.request | NlmFlag.create | NlmFlag.excl);
    expect(types).not.toContain(CtaExpect.helpName);
    expect(types).not.toContain(CtaExpect.timeout);
    const { id: _id, timeout: _t, helper: _h, ...sent } = SAMPLE_EXPECTATION;
    expect(decodeExpectationMessage(buf, c.payload, c.end)).toEqual({ ok: true, value: sent });
    expectGoldenBytes('exp-create-ftp-nat', buf);
    const classed: Expectation = { ...SAMPLE_EXPECTATION, class: 1, helper: 'sip' };
    expect(message((w) => encodeExpectationCreate(w, classed, 12, 0)).types).toEqual(expect.arrayContaining([CtaExpect.helpName, CtaExpect.class]));
  });

  it('updates with master, tuple, mask and timeout; deletes by tuple; dumps and flushes', () => {
    const update = message((w) => encodeExpectationUpdate(w, SAMPLE_EXPECTATION, 13, 0));
    expect(update.c.flags).toBe(NlmFlag.request);
    expect(update.types).toEqual([CtaExpect.master, CtaExpect.tuple, CtaExpect.mask, CtaExpect.timeout]);
    const del = message((w) => encodeExpectationDelete(w, SAMPLE_EXPECTATION, 14, 0));
    expect(del.c.type).toBe(nfMessageType(NfnlSubsys.ctnetlinkExp, ExpMsg.delete));
    expect(del.types).toEqual([CtaExpect.tuple]);
    const dump = message((w) => encodeExpectationDumpRequest(w, 15));
    expect([dump.c.type, dump.c.flags, dump.types]).toEqual([nfMessageType(NfnlSubsys.ctnetlinkExp, ExpMsg.get), NlmFlag.request | NlmFlag.dump, []]);
    const flush = message((w) => encodeExpectationFlush(w, 16));
    expect([flush.c.type, flush.types]).toEqual([nfMessageType(NfnlSubsys.ctnetlinkExp, ExpMsg.delete), []]);
  });

  it("carries a master's zone of the reply direction alone: created under 0, updated and deleted under its number", () => {
    const x: Expectation = { ...SAMPLE_EXPECTATION, zone: 0, masterReplyZone: 5 };
    const w = new AttrWriter();
    encodeExpectationReplicaAttrs(w, x);
    const { id: _id, ...replicated } = x;
    expect(decodeExpectationAttrs(w.take(), 0, w.pos, 'ipv4')).toEqual({ ok: true, value: replicated });
    const zoneOf = (m: { buf: Buffer; c: MessageCursor }): number | undefined => {
      const a = new AttrCursor(m.buf, m.c.payload + 4, m.c.end);
      while (a.next()) if (a.type === CtaExpect.zone) return a.u16be();
      return undefined;
    };
    const create = message((w2) => encodeExpectationCreate(w2, x, 21, 0));
    expect(zoneOf(create), 'a create finds the master under 0').toBeUndefined();
    expect(create.types).not.toContain(REPLICA_MASTER_REPLY_ZONE);
    const update = message((w2) => encodeExpectationUpdate(w2, x, 22, 0));
    expect(zoneOf(update)).toBe(5);
    expect(update.types).not.toContain(REPLICA_MASTER_REPLY_ZONE);
    expect(zoneOf(message((w2) => encodeExpectationDelete(w2, x, 23, 0)))).toBe(5);
    // a zone of both directions, or of the original one: the same zone for all three
    const both: Expectation = { ...SAMPLE_EXPECTATION, zone: 7 };
    for (const encode of [encodeExpectationCreate, encodeExpectationUpdate, encodeExpectationDelete]) expect(zoneOf(message((w2) => encode(w2, both, 24, 0)))).toBe(7);
  });

  it('fails on an expectation without its mask', () => {
    const w = new AttrWriter();
    encodeExpectationReplicaAttrs(w, SAMPLE_EXPECTATION);
    const buf = w.take();
    // rename the mask attribute (type 3) to an unknown one
    const a = new AttrCursor(buf, 0, buf.length);
    while (a.next()) if (a.type === CtaExpect.mask) buf.writeUInt16LE(0x8000 | 60, a.value - 2);
    expect(decodeExpectationAttrs(buf, 0, buf.length, 'ipv4')).toEqual({ ok: false, error: 'expectation without master, tuple or mask' });
  });
});
