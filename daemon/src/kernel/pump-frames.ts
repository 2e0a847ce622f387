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
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (buf.length - at >= 4) {
      const head = buf.readUInt32LE(at);
      const control = head >= CONTROL;
      const size = control ? 8 : 4 + head;
      if (buf.length - at < size) break;
      if (control) this.handlers.control(head - CONTROL, buf.readUInt32LE(at + 4));
      else this.handlers.datagram(buf.subarray(at + 4, at + size));
      at += size;
    }
    buf = buf.subarray(at);
    this.pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }

  /** Bytes of an incomplete frame held back. */
  get buffered(): number {
    return this.pending.length;
  }
}
