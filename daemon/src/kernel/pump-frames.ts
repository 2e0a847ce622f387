// Framing between the event pump process (event-pump-main.ts) and the daemon: each netlink
// datagram the pump receives is forwarded as [u32 LE length][bytes]; control frames use
// lengths at the top of the range: [CONTROL | code][u32 LE value]. Pure: bytes in, frames out.

const CONTROL = 0xffff_ff00;

export const PumpControl = {
  /** The pump joined its groups; value: the receive buffer size the kernel granted. */
  ready: 0,
  /** The pump's socket reported ENOBUFS or it dropped datagrams; value: how many times so far. */
  overrun: 1,
  /** Echoes of the daemon's own writes the pump dropped; value: how many so far. */
  echoes: 2,
  /** Drains of the socket after a wake (a slow stream has none); value: how many so far. */
  drains: 3,
} as const;

export function dataFrame(datagram: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + datagram.length);
  frame.writeUInt32LE(datagram.length, 0);
  frame.set(datagram, 4);
  return frame;
}

export function controlFrame(code: number, value: number): Buffer {
  const frame = Buffer.allocUnsafe(8);
  frame.writeUInt32LE((CONTROL | code) >>> 0, 0);
  frame.writeUInt32LE(value >>> 0, 4);
  return frame;
}

export interface FrameHandlers {
  datagram(buf: Buffer): void;
  control(code: number, value: number): void;
}

/** Reassembles frames from stream chunks split anywhere. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly handlers: FrameHandlers) {}

  push(chunk: Buffer): void {
    // a frame split across chunks is completed from the head of this one (its own bytes only:
    // joining the whole chunk to it copied up to 64 KiB per read during bulk streams)
    const at = this.pending.length === 0 ? 0 : this.completePending(chunk);
    if (this.pending.length > 0) return;
    const end = this.frames(chunk, at);
    if (end < chunk.length) this.pending = Buffer.from(chunk.subarray(end));
  }

  /** Bytes of an incomplete frame held back. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Handles the whole frames of `buf` from `at`; returns where the first incomplete one starts. */
  private frames(buf: Buffer, at: number): number {
    while (buf.length - at >= 4) {
      const size = frameSize(buf.readUInt32LE(at));
      if (buf.length - at < size) break;
      this.dispatch(buf, at, size);
      at += size;
    }
    return at;
  }

  /** Moves the held-back frame's missing bytes from the head of `chunk`; returns how many it took. */
  private completePending(chunk: Buffer): number {
    const head = Math.min(chunk.length, Math.max(0, 4 - this.pending.length));
    let taken = head;
    let frame = head === 0 ? this.pending : Buffer.concat([this.pending, chunk.subarray(0, head)]);
    if (frame.length >= 4) {
      const size = frameSize(frame.readUInt32LE(0));
      const rest = Math.min(chunk.length - taken, size - frame.length);
      if (rest > 0) frame = Buffer.concat([frame, chunk.subarray(taken, taken + rest)]);
      taken += rest;
      if (frame.length === size) {
        this.pending = Buffer.alloc(0);
        this.dispatch(frame, 0, size);
        return taken;
      }
    }
    this.pending = frame;
    return taken;
  }

  private dispatch(buf: Buffer, at: number, size: number): void {
    const head = buf.readUInt32LE(at);
    if (head >= CONTROL) this.handlers.control(head - CONTROL, buf.readUInt32LE(at + 4));
    else this.handlers.datagram(buf.subarray(at + 4, at + size));
  }
}

/** Bytes of the frame whose first word is `head`: a control frame is 8, a data frame 4 + its length. */
function frameSize(head: number): number {
  return head >= CONTROL ? 8 : 4 + head;
}
