// Netlink attributes (struct nlattr): a 4-byte header (nla_len, nla_type, host byte order) and a
// payload padded to 4 bytes; nested attributes carry NLA_F_NESTED. ctnetlink puts its values in
// network byte order (big-endian) inside them.
//
// Spec: include/uapi/linux/netlink.h (struct nlattr, NLA_F_NESTED, NLA_F_NET_BYTEORDER,
// NLA_TYPE_MASK, NLA_ALIGN) and include/net/netlink.h (nla_put, nla_nest_start/end).
// The reader never throws and never reads outside its window; the writer grows one buffer
// (no Buffer.concat per attribute) and patches lengths in place.

export const NLA_HDRLEN = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** Walks the attributes in [start, end). */
export class AttrCursor {
  /** Attribute type without the NESTED / NET_BYTEORDER flags. */
  type = 0;
  /** Offset and length of the payload. */
  value = 0;
  length = 0;
  error: string | undefined;
  private offset: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.offset = start;
  }

  next(): boolean {
    const at = this.offset;
    if (at + NLA_HDRLEN > this.end) {
      if (at < this.end) this.error = `truncated attribute header at offset ${at}`;
      return false;
    }
    const len = this.buf.readUInt16LE(at);
    if (len < NLA_HDRLEN || at + len > this.end) {
      this.error = `attribute at offset ${at} claims ${len} bytes, ${this.end - at} available`;
      return false;
    }
    this.type = this.buf.readUInt16LE(at + 2) & NLA_TYPE_MASK;
    this.value = at + NLA_HDRLEN;
    this.length = len - NLA_HDRLEN;
    this.offset = at + ((len + 3) & ~3);
    return true;
  }

  /** A cursor over this attribute's payload (for nested attributes). */
  nested(): AttrCursor {
    return new AttrCursor(this.buf, this.value, this.value + this.length);
  }

  u8(): number | undefined {
    return this.length >= 1 ? this.buf[this.value] : undefined;
  }
  u16be(): number | undefined {
    return this.length >= 2 ? this.buf.readUInt16BE(this.value) : undefined;
  }
  u32be(): number | undefined {
    return this.length >= 4 ? this.buf.readUInt32BE(this.value) : undefined;
  }
  /** A big-endian u64 as a number (exact up to 2^53; counters and DCCP sequence numbers fit). */
  u64be(): number | undefined {
    return this.length >= 8 ? this.buf.readUInt32BE(this.value) * 0x1_0000_0000 + this.buf.readUInt32BE(this.value + 4) : undefined;
  }
  /** A NUL-terminated (or unterminated) string. */
  string(): string {
    let stop = this.value;
    const limit = this.value + this.length;
    while (stop < limit && this.buf[stop] !== 0) stop++;
    return this.buf.toString('latin1', this.value, stop);
  }
  bytes(): Buffer {
    return this.buf.subarray(this.value, this.value + this.length);
  }
}

/**
 * nla_len of the attribute at `at` when it fits in [at, end), else -1: AttrCursor's checks, for
 * scanners that walk raw bytes on hot paths (ct-scan.ts, replica-commit.ts).
 */
export function attrLengthAt(buf: Uint8Array, at: number, end: number): number {
  if (at + NLA_HDRLEN > end) return -1;
  const len = (buf[at] as number) | ((buf[at + 1] as number) << 8);
  return len < NLA_HDRLEN || at + len > end ? -1 : len;
}

/** nla_type of the attribute at `at`, flags masked off. */
export function attrTypeAt(buf: Uint8Array, at: number): number {
  return ((buf[at + 2] as number) | ((buf[at + 3] as number) << 8)) & NLA_TYPE_MASK;
}

/** Longest copy done byte by byte (copyFrom). */
const SHORT_COPY = 512;

/** Builds netlink messages and attributes into one growing buffer. */
export class AttrWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** Starts a nested attribute; returns the offset to pass to `endNest`. */
  beginNest(type: number): number {
    this.ensure(NLA_HDRLEN);
    const at = this.pos;
    this.buf.writeUInt16LE(type | NLA_F_NESTED, at + 2);
    this.pos += NLA_HDRLEN;
    return at;
  }

  endNest(at: number): void {
    this.buf.writeUInt16LE(this.pos - at, at);
  }

  u8(type: number, value: number): void {
    this.header(type, 1);
    this.buf[this.pos] = value;
    this.buf[this.pos + 1] = 0;
    this.buf[this.pos + 2] = 0;
    this.buf[this.pos + 3] = 0;
    this.pos += 4;
  }

  u16be(type: number, value: number): void {
    this.header(type, 2);
    this.buf.writeUInt16BE(value, this.pos);
    this.buf.writeUInt16BE(0, this.pos + 2);
    this.pos += 4;
  }

  u32be(type: number, value: number): void {
    this.header(type, 4);
    this.buf.writeUInt32BE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** A big-endian u64 from a non-negative integer below 2^53. */
  u64be(type: number, value: number): void {
    this.header(type, 8);
    this.buf.writeUInt32BE(Math.floor(value / 0x1_0000_0000) >>> 0, this.pos);
    this.buf.writeUInt32BE(value >>> 0, this.pos + 4);
    this.pos += 8;
  }

  bytes(type: number, data: Uint8Array): void {
    this.header(type, data.length);
    this.buf.set(data, this.pos);
    this.pad(data.length);
  }

  /** A NUL-terminated string (NLA_NUL_STRING / NLA_STRING policies accept it). */
  string(type: number, text: string): void {
    const size = Buffer.byteLength(text, 'latin1') + 1;
    this.header(type, size);
    this.buf.write(text, this.pos, 'latin1');
    this.buf[this.pos + size - 1] = 0;
    this.pad(size);
  }

  /** Copies already-encoded bytes (aligned attributes) verbatim. */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /**
   * Copies source[start, end) verbatim, without making a view of it. Short runs (a record's
   * payload, ~100 bytes) are copied byte by byte: Buffer#copy and TypedArray#set cost a native
   * call and a view each, several times the copy itself at that size.
   */
  copyFrom(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.ensure(length);
    const target = this.buf;
    let to = this.pos;
    if (length > SHORT_COPY) target.set(source.subarray(start, end), to);
    else for (let from = start; from < end; ) target[to++] = source[from++] as number;
    this.pos += length;
  }

  /** A copy of everything written so far. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  private header(type: number, payload: number): void {
    this.ensure(NLA_HDRLEN + payload + 3);
    this.buf.writeUInt16LE(NLA_HDRLEN + payload, this.pos);
    this.buf.writeUInt16LE(type, this.pos + 2);
    this.pos += NLA_HDRLEN;
  }

  private pad(payload: number): void {
    let end = this.pos + payload;
    while ((end & 3) !== 0) this.buf[end++] = 0;
    this.pos = end;
  }
}
