import { describe, expect, it } from 'vitest';
import { AttrCursor, AttrWriter, NLA_F_NESTED } from '../../../../daemon/src/kernel/codec/netlink-attr.js';

describe('AttrWriter and AttrCursor', () => {
  it('round-trips scalars, strings, bytes and nests with 4-byte alignment', () => {
    const w = new AttrWriter(8); // tiny on purpose: the writer must grow
    w.u8(1, 0xab);
    w.u16be(2, 0xbeef);
    w.u32be(3, 0xdeadbeef);
    w.u64be(4, 2 ** 53 - 1);
    w.string(5, 'ftp');
    const nest = w.beginNest(6);
    w.bytes(7, Uint8Array.of(1, 2, 3));
    w.endNest(nest);
    const buf = w.take();
    expect(buf.length % 4).toBe(0);

    const c = new AttrCursor(buf, 0, buf.length);
    const seen: [number, unknown][] = [];
    while (c.next()) {
      if (c.type === 1) seen.push([1, c.u8()]);
      if (c.type === 2) seen.push([2, c.u16be()]);
      if (c.type === 3) seen.push([3, c.u32be()]);
      if (c.type === 4) seen.push([4, c.u64be()]);
      if (c.type === 5) seen.push([5, c.string()]);
      if (c.type === 6) {
        const inner = c.nested();
        expect(inner.next()).toBe(true);
        seen.push([7, [...inner.bytes()]]);
        expect(inner.next()).toBe(false);
      }
    }
    expect(c.error).toBeUndefined();
    expect(seen).toEqual([[1, 0xab], [2, 0xbeef], [3, 0xdeadbeef], [4, 2 ** 53 - 1], [5, 'ftp'], [7, [1, 2, 3]]]);
    // the nest carries NLA_F_NESTED on the wire, the cursor reports the bare type
    expect(buf.readUInt16LE(buf.length - 12 + 2) & NLA_F_NESTED).toBe(NLA_F_NESTED);
  });

  it('reports truncated and overlong attributes instead of reading past its window', () => {
    const w = new AttrWriter();
    w.u32be(1, 7);
    const buf = w.take();
    const truncated = new AttrCursor(buf, 0, 6);
    expect(truncated.next()).toBe(false);
    expect(truncated.error).toMatch(/claims 8 bytes, 6 available/);
    buf.writeUInt16LE(2, 0); // nla_len below the header size
    const bad = new AttrCursor(buf, 0, buf.length);
    expect(bad.next()).toBe(false);
    expect(bad.error).toMatch(/claims 2 bytes/);
  });

  it('answers undefined for values shorter than their type', () => {
    const w = new AttrWriter();
    w.bytes(1, Uint8Array.of(1));
    const c = new AttrCursor(w.take(), 0, 8);
    expect(c.next()).toBe(true);
    expect(c.u8()).toBe(1);
    expect(c.u16be()).toBeUndefined();
    expect(c.u32be()).toBeUndefined();
    expect(c.u64be()).toBeUndefined();
  });
});
