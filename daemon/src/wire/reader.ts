// A bounds-checked big-endian reader for untrusted bytes: every read returns undefined instead of
// throwing when the input is too short, so decoders turn any input into a result.

export class Reader {
  private offset = 0;

  constructor(private readonly source: Buffer) {}

  get remaining(): number {
    return this.source.length - this.offset;
  }

  u8(): number | undefined {
    if (this.remaining < 1) return undefined;
    return this.source[this.offset++];
  }

  u16(): number | undefined {
    if (this.remaining < 2) return undefined;
    const value = this.source.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number | undefined {
    if (this.remaining < 4) return undefined;
    const value = this.source.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): bigint | undefined {
    if (this.remaining < 8) return undefined;
    const value = this.source.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A view of the next `length` bytes (not a copy). */
  bytes(length: number): Buffer | undefined {
    if (this.remaining < length) return undefined;
    const view = this.source.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }
}
