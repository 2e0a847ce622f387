// What the event pump (event-pump-main.ts) sends its parent: frames (pump-frames.ts) gathered in
// one large buffer and written out in few large writes. Datagrams arrive two ways: handed over by
// the `netlink` binding (it wakes the pump, ~6 us per datagram: a peek, a read, an external
// Buffer and a callback into JavaScript), or read here with plain read(2) on the socket's
// descriptor (netlink-fd.ts) straight into the output buffer, ~2.5 us each. So the binding only
// wakes the pump; every datagram already queued behind the first is drained here. An empty queue
// answers EAGAIN (the binding made the socket non-blocking), which ends a drain; ENOBUFS (the
// kernel dropped events) is counted as an overrun, and the drain goes on.
//
// Echoes of our own writes (a datagram holding one message whose nlmsg_pid is one of
// `dropPorts`) are dropped before they cost the parent anything, and counted. They are not a
// stream of events either: the kernel queues them while our write runs, all of them before it
// returns, so a reader's pacer leaves them out (`echoes` of a drain, `dropsEcho`).
import { readSync } from 'node:fs';
import { controlFrame, PumpControl } from './pump-frames.js';
import { withoutStackTraces } from './without-stack-traces.js';

/** Room kept free for one datagram read: larger than any conntrack or expectation event. */
const DATAGRAM_ROOM = 64 * 1024;
const NLMSG_PID = 12;

export interface DrainResult {
  /** Datagrams read (dropped echoes included). */
  readonly read: number;
  /** Of those, echoes dropped. */
  readonly echoes: number;
  /** ENOBUFS answers: the kernel dropped events for this socket. */
  readonly overruns: number;
  /** A read failed otherwise (the descriptor is unusable): stop draining. */
  readonly error: string | undefined;
}

export class PumpOutput {
  private buf: Buffer;
  private pos = 0;
  /** Echoes dropped so far, and the count last reported to the parent. */
  dropped = 0;
  private reportedDropped = 0;

  /** `write` gets a view of the output buffer, valid only until it returns: it copies what it keeps. */
  constructor(
    private readonly write: (chunk: Buffer) => void,
    private readonly dropPorts: ReadonlySet<number> = new Set(),
    size = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.pos;
  }

  /** Whether a datagram is an echo of ours, dropped (and counted) as `datagram` would drop it. */
  dropsEcho(datagram: Buffer): boolean {
    return this.isEcho(datagram, 0, datagram.length);
  }

  /** A datagram the binding received. */
  datagram(datagram: Buffer): void {
    if (this.isEcho(datagram, 0, datagram.length)) return;
    this.room(4 + datagram.length);
    this.buf.writeUInt32LE(datagram.length, this.pos);
    datagram.copy(this.buf, this.pos + 4);
    this.pos += 4 + datagram.length;
  }

  control(code: number, value: number): void {
    this.room(8);
    controlFrame(code, value).copy(this.buf, this.pos);
    this.pos += 8;
  }

  /** Reads up to `max` queued datagrams from `fd` into the output; stops at EAGAIN. */
  drain(fd: number, max: number): DrainResult {
    // every drain ends in EAGAIN, which readSync throws
    return withoutStackTraces(() => this.drainUpTo(fd, max));
  }

  private drainUpTo(fd: number, max: number): DrainResult {
    let read = 0;
    let overruns = 0;
    const dropped = this.dropped;
    while (read < max) {
      this.room(4 + DATAGRAM_ROOM);
      let got: number;
      try {
        got = readSync(fd, this.buf, this.pos + 4, this.buf.length - this.pos - 4, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') break;
        if (code === 'EINTR') continue;
        if (code === 'ENOBUFS') {
          overruns++;
          continue;
        }
        return { read, echoes: this.dropped - dropped, overruns, error: `read on the event socket: ${code ?? String(error)}` };
      }
      read++;
      if (this.isEcho(this.buf, this.pos + 4, got)) continue;
      this.buf.writeUInt32LE(got, this.pos);
      this.pos += 4 + got;
    }
    return { read, echoes: this.dropped - dropped, overruns, error: undefined };
  }

  /** Writes out what is gathered (and the echo count, when it changed). */
  flush(): void {
    if (this.dropped !== this.reportedDropped) {
      this.reportedDropped = this.dropped;
      this.control(PumpControl.echoes, this.dropped);
    }
    if (this.pos === 0) return;
    // the writer gets a view of the buffer, which is used again once it returns (a fresh
    // megabyte per flush cost more than a copy): what it keeps, it copies (pipe-writer.ts)
    const chunk = this.buf.subarray(0, this.pos);
    this.pos = 0;
    this.write(chunk);
  }

  private room(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.flush();
    if (bytes > this.buf.length) {
      this.buf = Buffer.allocUnsafeSlow(bytes);
    }
  }

  private isEcho(buf: Buffer, at: number, length: number): boolean {
    if (this.dropPorts.size === 0 || length < 16 || buf.readUInt32LE(at) !== length) return false;
    if (!this.dropPorts.has(buf.readUInt32LE(at + NLMSG_PID))) return false;
    this.dropped++;
    return true;
  }
}
