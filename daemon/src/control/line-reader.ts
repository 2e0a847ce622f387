// Bytes from a stream socket → lines, with a bound: a line longer than `maxBytes` is reported
// once as overlong and its bytes are dropped up to the next newline, so a peer that never sends
// a newline cannot grow our memory. Never throws. Lines are decoded as UTF-8 (a trailing \r is
// kept out).

export type LinePiece = { readonly line: string } | { readonly overlong: true };

export class LineReader {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private discarding = false;

  constructor(private readonly maxBytes: number) {}

  /** Feeds bytes; returns the lines (and overlong markers) they complete, in order. */
  push(chunk: Uint8Array): LinePiece[] {
    const out: LinePiece[] = [];
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(0x0a, start);
      const piece = bytes.subarray(start, newline < 0 ? bytes.length : newline);
      this.keep(piece, out);
      if (newline < 0) return out;
      start = newline + 1;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      let line = Buffer.concat(this.pending, this.pendingLength).toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.pending = [];
      this.pendingLength = 0;
      out.push({ line });
    }
  }

  /** Bytes held for an unfinished line. */
  get buffered(): number {
    return this.pendingLength;
  }

  private keep(piece: Buffer, out: LinePiece[]): void {
    if (this.discarding || piece.length === 0) return;
    if (this.pendingLength + piece.length > this.maxBytes) {
      this.discarding = true;
      this.pending = [];
      this.pendingLength = 0;
      out.push({ overlong: true });
      return;
    }
    this.pending.push(Buffer.from(piece));
    this.pendingLength += piece.length;
  }
}
