import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../../daemon/src/kernel/ct-entry.js';
import { decodeConntrackAttrs, decodeConntrackMessage } from '../../../../daemon/src/kernel/codec/ct-decode.js';
import { encodeCreate, encodeDelete, encodeDumpRequest, encodeFlush, encodeReplicaAttrs, encodeUpdate } from '../../../../daemon/src/kernel/codec/ct-encode.js';
import { Cta, TcpFlag } from '../../../../daemon/src/kernel/codec/ctnetlink-attr.js';
import { Ips, statusForCreate, statusForUpdate } from '../../../../daemon/src/kernel/codec/ct-status.js';
import { decodeTuple } from '../../../../daemon/src/kernel/codec/ct-tuple.js';
import { AttrCursor, AttrWriter } from '../../../../daemon/src/kernel/codec/netlink-attr.js';
import { MessageCursor, NlmFlag } from '../../../../daemon/src/kernel/codec/netlink-message.js';
import { CtMsg, NfnlSubsys, nfMessageType } from '../../../../daemon/src/kernel/codec/nfnetlink.js';
import { expectGoldenBytes } from '../helpers/golden-bytes.js';
import { SAMPLE_ENTRIES } from '../helpers/sample-entries.js';

const commit = { tcp: { beLiberal: true } };

function replicated(e: ConntrackEntry): ConntrackEntry {
  const { id: _id, use: _use, countersOrig: _co, countersReply: _cr, secctx: _s, ...rest } = e;
  return rest;
}

function message(build: (w: AttrWriter) => void): { buf: Buffer; c: MessageCursor } {
  const w = new AttrWriter();
  build(w);
  const buf = w.take();
  const c = new MessageCursor(buf);
  expect(c.next()).toBe(true);
  expect(c.end).toBe(buf.length);
  return { buf, c };
}

/** Top-level attribute types of a message, in order. */
function attrTypes(buf: Buffer, c: MessageCursor): number[] {
  const a = new AttrCursor(buf, c.payload + 4, c.end);
  const types: number[] = [];
  while (a.next()) types.push(a.type);
  return types;
}

describe('conntrack encoding', () => {
  it.each(Object.entries(SAMPLE_ENTRIES))('round-trips the replica form of %s', (_name, entry) => {
    const w = new AttrWriter();
    encodeReplicaAttrs(w, entry);
    const decoded = decodeConntrackAttrs(w.take(), 0, w.pos, entry.family);
    expect(decoded).toEqual({ ok: true, value: replicated(entry) });
  });

  it.each(Object.entries(SAMPLE_ENTRIES))('encodes a create of %s the kernel can take back as the same flow', (_name, entry) => {
    const { buf, c } = message((w) => encodeCreate(w, entry, 42, 0, commit));
    expect(c.type).toBe(nfMessageType(NfnlSubsys.ctnetlink, CtMsg.new));
    expect(c.flags).toBe(NlmFlag.request | NlmFlag.create | NlmFlag.excl);
    expect(c.seq).toBe(42);
    const decoded = decodeConntrackMessage(buf, c.payload, c.end);
    if (!decoded.ok) throw new Error(decoded.error);
    const d = decoded.value;
    expect(d.orig).toEqual(entry.orig);
    expect(d.status).toBe(statusForCreate(entry.status ?? 0));
    expect((d.status ?? 0) & Ips.confirmed).toBe(Ips.confirmed);
    expect((d.status ?? 0) & Ips.expected).toBe(0);
    expect([d.timeout, d.mark, d.zone, d.labels, d.helper, d.master]).toEqual([entry.timeout, entry.mark, entry.zone, entry.labels, entry.helper, entry.master]);
    expect([d.seqAdjOrig, d.seqAdjReply]).toEqual([entry.seqAdjOrig, entry.seqAdjReply]);
    if (entry.protoinfo?.proto === 'tcp') {
      expect(d.protoinfo).toMatchObject({ proto: 'tcp', state: entry.protoinfo.state });
      const flags = (d.protoinfo as { flagsOrig: number }).flagsOrig;
      expect(flags & TcpFlag.beLiberal).toBe(TcpFlag.beLiberal);
      expect(flags & (TcpFlag.dataUnacknowledged | TcpFlag.maxackSet)).toBe(0);
    } else {
      expect(d.protoinfo).toEqual(entry.protoinfo);
    }
    const types = attrTypes(buf, c);
    expect(types.includes(Cta.natSrc)).toBe(((entry.status ?? 0) & Ips.srcNat) !== 0);
    expect(types.includes(Cta.natDst)).toBe(((entry.status ?? 0) & Ips.dstNat) !== 0);
    // NATed entries are created from the un-NATed reply: the kernel's NAT setup rewrites it
    if (!types.includes(Cta.natSrc) && !types.includes(Cta.natDst)) expect(d.reply).toEqual(entry.reply);
  });

  it('creates a NATed flow from the inverted original plus a one-address NAT range', () => {
    const entry = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    const { buf, c } = message((w) => encodeCreate(w, entry, 1, 0, commit));
    const d = decodeConntrackMessage(buf, c.payload, c.end);
    expect(d.ok && d.value.reply).toEqual({ ...entry.reply, dst: entry.orig.src, dport: entry.orig.sport });
    expectGoldenBytes('ct-create-tcp-snat', buf);
  });

  it('updates without NAT, master or helper, with a status that keeps CONFIRMED', () => {
    const entry = SAMPLE_ENTRIES['ftpData'] as ConntrackEntry;
    const { buf, c } = message((w) => encodeUpdate(w, entry, 9, 0, commit));
    expect(c.flags).toBe(NlmFlag.request);
    const types = attrTypes(buf, c);
    expect(types).not.toContain(Cta.tupleReply);
    expect(types).not.toContain(Cta.tupleMaster);
    expect(types).not.toContain(Cta.help);
    const a = new AttrCursor(buf, c.payload + 4, c.end);
    let status: number | undefined;
    while (a.next()) {
      if (a.type === Cta.tupleOrig) expect(decodeTuple(a.nested(), 'ipv4')).toEqual({ ok: true, value: entry.orig });
      if (a.type === Cta.status) status = a.u32be();
    }
    expect(status).toBe(statusForUpdate(entry.status ?? 0));
    expectGoldenBytes('ct-update-ftp-data', buf);
    const { buf: noStatus, c: c2 } = message((w) => encodeUpdate(w, entry, 9, 0, { ...commit, withoutStatus: true }));
    expect(attrTypes(noStatus, c2)).not.toContain(Cta.status);
  });

  it('deletes by original tuple and zone; dumps and flushes without a tuple', () => {
    const entry = SAMPLE_ENTRIES['tcpDnatV6Zone'] as ConntrackEntry;
    const del = message((w) => encodeDelete(w, entry, 3, 0));
    expect(del.c.type).toBe(nfMessageType(NfnlSubsys.ctnetlink, CtMsg.delete));
    expect(attrTypes(del.buf, del.c)).toEqual([Cta.tupleOrig, Cta.zone]);
    expectGoldenBytes('ct-delete-v6-zone', del.buf);
    const dump = message((w) => encodeDumpRequest(w, 4));
    expect(dump.c.flags).toBe(NlmFlag.request | NlmFlag.dump);
    expect(attrTypes(dump.buf, dump.c)).toEqual([]);
    expectGoldenBytes('ct-dump-request', dump.buf);
    const flush = message((w) => encodeFlush(w, 5));
    expect(flush.c.type).toBe(nfMessageType(NfnlSubsys.ctnetlink, CtMsg.delete));
    expect(attrTypes(flush.buf, flush.c)).toEqual([]);
  });

  it('creates a flow-offloaded entry, which the kernel dumps without timeout and protocol state, with its protocol\'s established timeout', () => {
    const { timeout: _t, protoinfo: _p, ...dumped } = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    const offloaded: ConntrackEntry = { ...dumped, status: (dumped.status ?? 0) | Ips.offload };
    const timeoutOf = (entry: ConntrackEntry): number | undefined => {
      const { buf, c } = message((w) => encodeCreate(w, entry, 1, 0, commit));
      const a = new AttrCursor(buf, c.payload + 4, c.end);
      while (a.next()) if (a.type === Cta.timeout) return buf.readUInt32BE(a.value);
      return undefined;
    };
    expect(timeoutOf(offloaded)).toBe(432_000);
    const { timeout: _u, ...udp } = SAMPLE_ENTRIES['udp'] as ConntrackEntry;
    expect(timeoutOf({ ...udp, status: (udp.status ?? 0) | Ips.offload })).toBe(120);
    // not offloaded: a missing timeout is still an error
    expect(() => encodeCreate(new AttrWriter(), dumped, 1, 0, commit)).toThrow(/no timeout/);
  });

  it('refuses to create without a timeout or with a bad address, naming the entry', () => {
    const { timeout: _t, ...noTimeout } = SAMPLE_ENTRIES['udp'] as ConntrackEntry;
    expect(() => encodeCreate(new AttrWriter(), noTimeout, 1, 0, commit)).toThrow(/no timeout/);
    const bad = { ...(SAMPLE_ENTRIES['udp'] as ConntrackEntry), orig: { ...(SAMPLE_ENTRIES['udp'] as ConntrackEntry).orig, src: '192.0.2.300' } };
    expect(() => encodeCreate(new AttrWriter(), bad, 1, 0, commit)).toThrow(/"192.0.2.300" is not an IPv4 address/);
  });
});
