// Conntrack event datagrams read by the daemon's own thread: the socket is leased from the keeper
// thread (socket-keeper.ts: the binding's poll, which aborts on an overrun, never runs), watched
// by a libuv UDP handle (datagram-watch.ts: an overrun is an ENOBUFS answer, not an abort) and
// drained with read(2) into a backlog (pump-output.ts, as in the event pump). This saves the
// event pump process's hop on every datagram chain: one wake-up, one pipe write and read.
//
// Datagrams are read ahead of their handling: every turn of the event loop first drains the
// socket into the backlog, then handles at most SLICE_BYTES of it and leaves the rest to the next
// turn, so that a burst waits in user space (up to `maxBufferedBytes`) rather than overrunning
// the kernel's receive buffer (2 x net.core.rmem_max at most) while the daemon is busy with it,
// and timers, the sync socket and the control socket get their turns. While events stream in, a
// wake that finds the backlog empty first naps (wake-pacer.ts). A slow stream (below the pacer's
// rate) is neither napped nor drained: each datagram is handled as the watch reads it, which at
// 2k events/s cut the sender's CPU per flow by about a sixth (docs/benchmarks.md).
// An overrun is reported only once a drain has read the socket empty after it and the backlog is
// handled (overrun-hold.ts): a dump begun earlier would miss entries whose events the kernel
// drops silently until then. Each turn of a drain ends with `settled`, and the sync layer sends
// its batch at once: left to its setImmediate, the batch waited while the watch, in the same
// turn of the event loop, read the next datagram and napped and drained again (0.7 ms of median
// latency at 10k flows/s, docs/benchmarks.md).
import { constants } from 'node:os';
import type { DatagramHandlers, DatagramSource, SourceOptions } from './datagram-source.js';
import { netlinkDropsOfFd } from './netlink-fd.js';
import { OverrunHold } from './overrun-hold.js';
import { FrameReader, PumpControl } from './pump-frames.js';
import { PumpOutput } from './pump-output.js';
import { SocketKeeper, type EventSocketLease } from './socket-keeper.js';
import { WakePacer } from './wake-pacer.js';

const { ENOBUFS } = constants.errno;
/** Backlog handled between two drains of the socket: some 400-800 events, a few milliseconds. */
const SLICE_BYTES = 128 * 1024;
/** Handled chunks kept for reuse (a burst allocates no more once it is under way). */
const SPARE_CHUNKS = 32;
/** Datagrams per drain call (the backlog's limit is checked between calls). */
const DRAIN_BATCH = 1024;

export class DirectSource implements DatagramSource {
  private lease: EventSocketLease | undefined;
  private handlers: DatagramHandlers | undefined;
  private readonly backlog: Buffer[] = [];
  private readonly spare: Buffer[] = [];
  private backlogBytes = 0;
  private readonly output: PumpOutput;
  private readonly reader: FrameReader;
  private readonly pacer = new WakePacer();
  private scheduled = false;
  private inPlace = false;
  private closed = false;
  private readonly overruns = new OverrunHold();
  lastError: string | undefined;
  /** Drains of the socket into the backlog so far (a slow stream has none: its watch reads it). */
  drains = 0;

  /** `options.maxBufferedBytes`: backlog above which the socket is left to overrun (reported by the kernel as ENOBUFS). */
  constructor(private readonly options: SourceOptions) {
    // what a drain reads is handled in place when nothing waits before it, else copied to the backlog
    this.output = new PumpOutput((chunk) => (this.inPlace ? this.reader.push(chunk) : this.queue(chunk)), new Set(options.dropPorts ?? []), SLICE_BYTES);
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
    if (this.closed) this.close();
    return lease.recvBufferSize;
  }

  droppedByKernel(): number | undefined {
    return this.lease === undefined ? undefined : netlinkDropsOfFd(this.lease.fd);
  }

  close(): void {
    this.closed = true;
    this.lease?.release();
    this.lease = undefined;
  }

  /** The watch read a datagram: the socket has more behind it, as a rule, once events stream. */
  private woken(first: Buffer): void {
    if (this.closed) return;
    // an echo of our own writes is dropped here, and is no stream to nap for: the kernel queued
    // the rest of its burst before our write returned (a standby following events,
    // nf_conntrack_events != 1, napped after each of its writes while sync datagrams waited)
    const echo = this.output.dropsEcho(first);
    if (echo) this.handlers?.dropped?.(this.output.dropped);
    // the watch's datagram came out of the socket before anything still in it, after the backlog
    if (this.backlog.length === 0 && this.output.pending === 0) {
      const nap = echo ? 0 : this.pacer.napFor(performance.now());
      if (nap === 0 && !this.overruns.holding) {
        // a slow stream: no drain. The watch reads whatever follows this datagram itself, and
        // its closing EAGAIN is a return code, where a drain's is an error thrown by readSync.
        // Not settled here: the watch may read more datagrams in this same turn of the event
        // loop, and the sync layer's own flush (a setImmediate) sends them in one frame; settled
        // per datagram made a frame per event, which at 10k events/s without a nap sank both
        // daemons (docs/benchmarks.md, 09:37)
        if (echo) return;
        this.pacer.count(1);
        this.handlers?.datagram(first);
        return;
      }
      // caught up while events stream in: let some gather first, then drain
      this.pacer.nap(nap);
      if (!echo) this.handlers?.datagram(first);
    } else if (!echo) {
      this.output.datagram(first);
    }
    this.turn(echo ? 0 : 1);
  }

  private failed(errno: number): void {
    if (errno !== ENOBUFS) {
      this.lastError = `recvmsg on the event socket: errno ${errno}`;
      return;
    }
    this.overruns.overran(1);
    this.later();
  }

  /**
   * Drains the socket into the backlog, then handles one slice of it. What is left waits for the
   * next turn of the event loop, after the sync layer has sent what this slice made (its flush
   * is an immediate too, queued before this one), so the socket is drained every few
   * milliseconds however long the backlog.
   */
  private turn(woken: number): void {
    this.pacer.count(woken + this.drain());
    if (this.backlog.length === 0) {
      if (this.output.pending > 0) {
        this.inPlace = true;
        try {
          this.output.flush();
        } finally {
          this.inPlace = false;
        }
      }
    } else {
      this.output.flush();
      const chunk = this.backlog.shift() as Buffer;
      this.backlogBytes -= chunk.length;
      this.reader.push(chunk);
      // handlers keep nothing they do not copy, and no frame spans two chunks: reuse it
      if (this.spare.length < SPARE_CHUNKS && chunk.buffer.byteLength === SLICE_BYTES) this.spare.push(Buffer.from(chunk.buffer, chunk.byteOffset, SLICE_BYTES));
    }
    this.handlers?.settled();
    const overruns = this.overruns.release(this.backlog.length === 0 && this.output.pending === 0);
    for (let i = 0; i < overruns; i++) this.handlers?.overrun();
    // held overruns need another drain (the last one stopped short of empty) or the backlog handled
    if (!this.closed && (this.backlog.length > 0 || this.overruns.holding)) this.later();
  }

  /** Reads what the socket holds into the backlog; returns how many datagrams, echoes left out. */
  private drain(): number {
    this.drains++;
    let read = 0;
    const limit = this.options.maxBufferedBytes ?? 512 * 1024 * 1024;
    while (this.lease !== undefined && this.backlogBytes + this.output.pending < limit) {
      const result = this.output.drain(this.lease.fd, DRAIN_BATCH);
      read += result.read - result.echoes;
      this.overruns.overran(result.overruns);
      if (result.error !== undefined) {
        // the socket cannot be read: held overruns are reported now rather than never
        this.lastError = result.error;
        this.overruns.queueEmptied();
        break;
      }
      if (result.read < DRAIN_BATCH) {
        this.overruns.queueEmptied(); // EAGAIN
        break;
      }
    }
    return read;
  }

  /** Copies a view of the output buffer to the backlog (into a spare chunk when there is one). */
  private queue(view: Buffer): void {
    const chunk = (view.length <= SLICE_BYTES ? this.spare.pop() : undefined) ?? Buffer.allocUnsafeSlow(Math.max(view.length, SLICE_BYTES));
    view.copy(chunk);
    this.backlog.push(chunk.subarray(0, view.length));
    this.backlogBytes += view.length;
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
