// Conntrack event datagrams read by the daemon's own thread: the socket is leased from the keeper
// thread (socket-keeper.ts: the binding's poll, which aborts on an overrun, never runs), watched
// by a libuv UDP handle (datagram-watch.ts: an overrun is an ENOBUFS answer, not an abort) and
// drained with read(2) into a backlog (pump-output.ts, as in the event pump). This saves the
// event pump process's hop on every datagram chain: one wake-up, one pipe write and read.
//
// Datagrams are read ahead of their handling: every turn first drains the socket into the
// backlog, then handles at most SLICE_BYTES of it, and drains again, so that a burst waits in
// user space (up to `maxBufferedBytes`) rather than overrunning the kernel's receive buffer
// (2 x net.core.rmem_max at most) while the daemon is busy with it. A turn that has run for
// TURN_MS leaves the rest to the next turn of the event loop (timers, the sync socket, the
// control socket get theirs). While events stream in, a wake first naps (wake-pacer.ts).
import type { DatagramHandlers, DatagramSource, SourceOptions } from './datagram-source.js';
import { FrameReader, PumpControl } from './pump-frames.js';
import { PumpOutput } from './pump-output.js';
import { SocketKeeper, type EventSocketLease } from './socket-keeper.js';
import { WakePacer } from './wake-pacer.js';

const ENOBUFS = 105;
/** Backlog handled between two drains of the socket: some 400-800 events, a few milliseconds. */
const SLICE_BYTES = 128 * 1024;
/** Longest turn of the event loop spent here. */
const TURN_MS = 20;
/** Datagrams per drain call (the backlog's limit is checked between calls). */
const DRAIN_BATCH = 1024;

export interface DirectSourceOptions extends SourceOptions {
  /** Backlog above which the socket is left to overrun (reported by the kernel as ENOBUFS). */
  readonly maxBufferedBytes?: number;
}

export class DirectSource implements DatagramSource {
  private lease: EventSocketLease | undefined;
  private handlers: DatagramHandlers | undefined;
  private fd = -1;
  private readonly backlog: Buffer[] = [];
  private backlogBytes = 0;
  private readonly output: PumpOutput;
  private readonly reader: FrameReader;
  private readonly pacer = new WakePacer();
  private scheduled = false;
  private inPlace = false;
  private closed = false;
  lastError: string | undefined;

  constructor(private readonly options: DirectSourceOptions) {
    // what a drain reads is handled in place when nothing waits before it, else copied to the backlog
    this.output = new PumpOutput((chunk) => (this.inPlace ? this.reader.push(chunk) : this.queue(Buffer.from(chunk))), new Set(options.dropPorts ?? []), SLICE_BYTES);
    this.reader = new FrameReader({
      datagram: (buf) => this.handlers?.datagram(buf),
      control: (code, value) => {
        if (code === PumpControl.echoes) this.handlers?.dropped?.(value);
      },
    });
  }

  async start(handlers: DatagramHandlers): Promise<number> {
    this.handlers = handlers;
    const request = { groups: this.options.groups, ...(this.options.recvBufferSize === undefined ? {} : { recvBufferSize: this.options.recvBufferSize }) };
    const lease = await SocketKeeper.get().lease(request, {
      datagram: (buf) => this.woken(buf),
      error: (errno) => this.failed(errno),
    });
    this.lease = lease;
    this.fd = lease.fd;
    if (this.closed) this.close();
    return lease.recvBufferSize;
  }

  close(): void {
    this.closed = true;
    this.lease?.release();
    this.lease = undefined;
    this.fd = -1;
  }

  /** The watch read a datagram: the socket has more behind it, as a rule, once events stream. */
  private woken(first: Buffer): void {
    if (this.closed) return;
    this.pacer.napAt(performance.now());
    // the watch's datagram came out of the socket before anything still in it, after the backlog
    if (this.backlog.length === 0 && this.output.pending === 0) this.handlers?.datagram(first);
    else this.output.datagram(first);
    this.turn(1);
  }

  private failed(errno: number): void {
    if (errno === ENOBUFS) this.handlers?.overrun();
    else this.lastError = `recvmsg on the event socket: errno ${errno}`;
  }

  /** Drains, handles a slice, drains…, for at most TURN_MS. */
  private turn(woken: number): void {
    const started = performance.now();
    let read = woken;
    for (;;) {
      read += this.drain();
      if (this.backlog.length === 0) {
        if (this.output.pending === 0) break;
        this.inPlace = true;
        try {
          this.output.flush();
        } finally {
          this.inPlace = false;
        }
      } else {
        this.output.flush();
        const chunk = this.backlog.shift() as Buffer;
        this.backlogBytes -= chunk.length;
        this.reader.push(chunk);
      }
      if (this.closed) return;
      if (performance.now() - started > TURN_MS) {
        this.later();
        break;
      }
    }
    this.pacer.count(read);
  }

  /** Reads what the socket holds into the backlog; returns how many datagrams. */
  private drain(): number {
    let read = 0;
    const limit = this.options.maxBufferedBytes ?? 512 * 1024 * 1024;
    while (this.fd >= 0 && this.backlogBytes + this.output.pending < limit) {
      const result = this.output.drain(this.fd, DRAIN_BATCH);
      read += result.read;
      for (let i = 0; i < result.overruns; i++) this.handlers?.overrun();
      if (result.error !== undefined) this.lastError = result.error;
      if (result.read < DRAIN_BATCH || result.error !== undefined) break;
    }
    return read;
  }

  private queue(chunk: Buffer): void {
    this.backlog.push(chunk);
    this.backlogBytes += chunk.length;
  }

  private later(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.closed) this.turn(0);
    });
  }
}
