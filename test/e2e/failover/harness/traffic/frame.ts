// The traffic generator's message: a fixed 32-byte frame, so a TCP byte stream splits into
// frames without a length prefix and an echo can be compared with what was sent byte for byte.
//
//   0  "HF"        magic
//   2  u8          version (1)
//   3  u8          flow kind (FLOW_KINDS index)
//   4  u32 BE      flow id (unique across the scenario's clients)
//   8  u32 BE      sequence number (per flow, from 0)
//  12  f64 BE      sender's clock, epoch milliseconds
//  20  12 bytes    zero
// Pure: no clock, no sockets.
export const FRAME_BYTES = 32;
export const FLOW_KINDS = ['tcp', 'udp', 'ftp-control', 'ftp-data'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

export interface Frame {
  readonly kind: FlowKind;
  readonly flowId: number;
  readonly seq: number;
  readonly sentAt: number;
}

export type FrameResult = { readonly ok: true; readonly frame: Frame } | { readonly ok: false; readonly reason: string };

export function encodeFrame(frame: Frame): Buffer {
  const buf = Buffer.alloc(FRAME_BYTES);
  buf.write('HF', 0, 'latin1');
  buf.writeUInt8(1, 2);
  buf.writeUInt8(FLOW_KINDS.indexOf(frame.kind), 3);
  buf.writeUInt32BE(frame.flowId >>> 0, 4);
  buf.writeUInt32BE(frame.seq >>> 0, 8);
  buf.writeDoubleBE(frame.sentAt, 12);
  return buf;
}

export function decodeFrame(buf: Uint8Array): FrameResult {
  if (buf.length !== FRAME_BYTES) return { ok: false, reason: `frame of ${buf.length} bytes, expected ${FRAME_BYTES}` };
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (b.toString('latin1', 0, 2) !== 'HF') return { ok: false, reason: 'bad magic' };
  if (b.readUInt8(2) !== 1) return { ok: false, reason: `unknown frame version ${b.readUInt8(2)}` };
  const kind = FLOW_KINDS[b.readUInt8(3)];
  if (kind === undefined) return { ok: false, reason: `unknown flow kind ${b.readUInt8(3)}` };
  for (let i = 20; i < FRAME_BYTES; i++) if (b[i] !== 0) return { ok: false, reason: 'non-zero padding' };
  return { ok: true, frame: { kind, flowId: b.readUInt32BE(4), seq: b.readUInt32BE(8), sentAt: b.readDoubleBE(12) } };
}

/** Splits a TCP byte stream into frames; keeps the incomplete tail for the next chunk. */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    const all = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let at = 0;
    for (; at + FRAME_BYTES <= all.length; at += FRAME_BYTES) frames.push(all.subarray(at, at + FRAME_BYTES));
    this.pending = Buffer.from(all.subarray(at));
    return frames;
  }
}
