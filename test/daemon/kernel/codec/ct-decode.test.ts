import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../../daemon/src/kernel/ct-entry.js';
import { decodeConntrackAttrs, decodeConntrackMessage, mergeEntry } from '../../../../daemon/src/kernel/codec/ct-decode.js';
import { encodeReplicaAttrs } from '../../../../daemon/src/kernel/codec/ct-encode.js';
import { Cta, CtaCounters } from '../../../../daemon/src/kernel/codec/ctnetlink-attr.js';
import { AttrWriter } from '../../../../daemon/src/kernel/codec/netlink-attr.js';
import { SAMPLE_ENTRIES } from '../helpers/sample-entries.js';

function withKernelExtras(entry: ConntrackEntry): Buffer {
  const w = new AttrWriter();
  w.ensure(4);
  w.buf.writeUInt32BE(0x02000000, 0); // nfgenmsg: AF_INET, version 0, res_id 0
  w.pos = 4;
  encodeReplicaAttrs(w, entry);
  w.u32be(Cta.id, 777);
  w.u32be(Cta.use, 2);
  for (const type of [Cta.countersOrig, Cta.countersReply]) {
    const nest = w.beginNest(type);
    w.u64be(CtaCounters.packets, 10);
    w.u64be(CtaCounters.bytes, 2 ** 40);
    w.endNest(nest);
  }
  const secctx = w.beginNest(Cta.secctx);
  w.string(1, 'system_u:object_r:unlabeled_t:s0');
  w.endNest(secctx);
  w.u32be(99, 0); // an attribute from a newer kernel: ignored
  return w.take();
}

describe('conntrack decoding', () => {
  it('reads the reported-only fields and skips unknown attributes', () => {
    const entry = SAMPLE_ENTRIES['udp'] as ConntrackEntry;
    const buf = withKernelExtras(entry);
    const decoded = decodeConntrackMessage(buf, 0, buf.length);
    expect(decoded).toEqual({
      ok: true,
      value: { ...entry, id: 777, use: 2, countersOrig: { packets: 10, bytes: 2 ** 40 }, countersReply: { packets: 10, bytes: 2 ** 40 }, secctx: 'system_u:object_r:unlabeled_t:s0' },
    });
  });

  it('refuses a labels bitmap longer than the kernel\'s, and reads a helper nest without a name as no helper', () => {
    const entry = SAMPLE_ENTRIES['udp'] as ConntrackEntry;
    const withAttr = (add: (w: AttrWriter) => void): Buffer => {
      const w = new AttrWriter();
      w.ensure(4);
      w.buf.writeUInt32BE(0x02000000, 0);
      w.pos = 4;
      encodeReplicaAttrs(w, entry);
      add(w);
      return w.take();
    };
    const long = withAttr((w) => w.bytes(Cta.labels, new Uint8Array(65_000).fill(0xff)));
    expect(decodeConntrackMessage(long, 0, long.length)).toEqual({ ok: false, error: 'CTA_LABELS of 65000 bytes, beyond 16' });
    const empty = withAttr((w) => w.endNest(w.beginNest(Cta.help)));
    const decoded = decodeConntrackMessage(empty, 0, empty.length);
    expect(decoded.ok && 'helper' in decoded.value, 'no helper key: merged, it would erase the held one').toBe(false);
    if (decoded.ok) expect(mergeEntry({ ...entry, helper: 'ftp' }, decoded.value).helper).toBe('ftp');
  });

  it('fails with a reason on foreign families, missing tuples and short values', () => {
    const buf = withKernelExtras(SAMPLE_ENTRIES['udp'] as ConntrackEntry);
    buf[0] = 7;
    expect(decodeConntrackMessage(buf, 0, buf.length)).toEqual({ ok: false, error: 'conntrack message of address family 7' });
    expect(decodeConntrackMessage(buf, 0, 3).ok).toBe(false);
    const w = new AttrWriter();
    w.u32be(Cta.status, 8);
    expect(decodeConntrackAttrs(w.take(), 0, w.pos, 'ipv4')).toEqual({ ok: false, error: 'conntrack entry without both tuples' });
    const short = new AttrWriter();
    short.bytes(Cta.mark, Uint8Array.of(1, 2));
    expect(decodeConntrackAttrs(short.take(), 0, short.pos, 'ipv4')).toEqual({ ok: false, error: 'short CTA_MARK' });
  });

  it('rejects an IPv6 address inside an IPv4 entry', () => {
    const w = new AttrWriter();
    encodeReplicaAttrs(w, SAMPLE_ENTRIES['icmpv6'] as ConntrackEntry);
    const r = decodeConntrackAttrs(w.take(), 0, w.pos, 'ipv4');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/IPv6 address in an ipv4 tuple/);
  });

  it('folds a partial update into the previous state', () => {
    const previous = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    const update: ConntrackEntry = { family: 'ipv4', orig: previous.orig, reply: previous.reply, status: previous.status ?? 0, timeout: 10, mark: 3, zone: 0 };
    expect(mergeEntry(previous, update)).toEqual({ ...previous, timeout: 10, mark: 3 });
  });
});
