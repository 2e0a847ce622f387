// One chunk of requests on the wire: a datagram of many netlink requests followed by an
// NLMSG_NOOP with NLM_F_ACK (the barrier), and the kernel's answers matched to the requests by
// sequence number. The kernel processes the whole datagram inside sendmsg and answers failures
// (and the barrier) in order, so when the barrier's answer arrives every failure of the chunk
// has been seen; requests without an answer succeeded. If the socket reports lost replies
// (ENOBUFS) the chunk is marked `lost` and a fresh barrier is requested.
//
// Since the kernel answers inside sendmsg, a chunk is written with write(2) on the socket's
// descriptor (netlink-fd.ts) and its answers read right after with read(2): no turn of the event
// loop for the binding's send, nor for its read of the answers (in direct mode, one datagram from
// a peer costs its chunk no more than two system calls and a read per failure). What write(2)
// cannot take (EAGAIN), and answers that are not there yet, go through the binding as before.
import { readSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { errorCodeOf, MessageCursor, NLMSG_HDRLEN, NlMsgType, NlmFlag, writeHeader } from './codec/netlink-message.js';
import type { AttrWriter } from './codec/netlink-attr.js';
import { NETLINK_NETFILTER } from './codec/nfnetlink.js';
import { KernelRequestError, NetlinkSocketError } from './errors.js';
import { NetfilterSocket, type NetfilterSocketOptions } from './netfilter-socket.js';
import { netlinkSocketFd } from './netlink-fd.js';
import { withoutStackTraces } from './without-stack-traces.js';

export interface ChunkAnswer {
  /** errno per request of the chunk (0: no answer, i.e. success). */
  readonly errors: Int32Array;
  /** Replies were dropped while the chunk was in flight: its answers are unknown. */
  readonly lost: boolean;
  /** The barrier request's own answer (0 for the NOOP; a flush's errno when it is the barrier). */
  readonly barrierError: number;
}

interface Pending {
  readonly firstSeq: number;
  readonly errors: Int32Array;
  barrier: number;
  lost: boolean;
  done(barrierError: number): void;
}

/** Room for one answer: an error message quotes its request, which is far smaller. */
const ANSWER_ROOM = 64 * 1024;
/** Longest run of chunks answered without a turn of the event loop. */
const YIELD_MS = 10;

export class RequestExchange {
  private readonly socket: NetfilterSocket;
  /** The socket's descriptor for write(2) and read(2); undefined: the binding only. */
  private readonly fd: number | undefined;
  private answers: Buffer | undefined;
  /** Since when chunks have been settled without a turn of the event loop in between, as far as known. */
  private busySince: number | undefined;
  private pending: Pending | undefined;
  private seq = 1;
  private sendBuffer: number | undefined;
  overruns = 0;
  /** Chunks whose answers were all read right after their write(2), and chunks that waited for the binding. */
  readonly answered = { inPlace: 0, later: 0 };

  constructor(options: NetfilterSocketOptions, private readonly timeoutMs: number) {
    this.socket = new NetfilterSocket({ recvBufferSize: 16 * 1024 * 1024, ...options, groups: [] }, {
      datagram: (buf) => this.onDatagram(buf),
      overrun: () => this.onOverrun(),
    });
    this.fd = netlinkSocketFd(NETLINK_NETFILTER, this.socket.port);
  }

  get port(): number {
    return this.socket.port;
  }

  get recvBufferSize(): number {
    return this.socket.recvBufferSize;
  }

  /** Read once (a getsockopt per write showed in profiles of direct mode); set only at open. */
  get sendBufferSize(): number {
    this.sendBuffer ??= this.socket.sendBufferSize;
    return this.sendBuffer;
  }

  /** Reserves `count` consecutive sequence numbers; returns the first. */
  reserve(count: number): number {
    const first = this.seq;
    this.seq = (this.seq + count) >>> 0 || 1;
    return first;
  }

  /** Appends the barrier to `w` and returns its sequence number. */
  writeBarrier(w: AttrWriter): number {
    const seq = this.reserve(1);
    w.ensure(NLMSG_HDRLEN);
    writeHeader(w.buf, w.pos, NlMsgType.noop, NlmFlag.request | NlmFlag.ack, seq);
    w.pos += NLMSG_HDRLEN;
    return seq;
  }

  /** Sends `datagram` (requests firstSeq.. plus the barrier) and waits for the barrier's answer. */
  exchange(datagram: Buffer, firstSeq: number, count: number, barrier: number): Promise<ChunkAnswer> {
    return new Promise<ChunkAnswer>((resolve, reject) => {
      const errors = new Int32Array(count);
      let timer: NodeJS.Timeout | undefined;
      const pending: Pending = {
        firstSeq,
        errors,
        barrier,
        lost: false,
        done: (barrierError) => {
          if (timer !== undefined) clearTimeout(timer);
          this.pending = undefined;
          this.settle(() => resolve({ errors, lost: pending.lost, barrierError }));
        },
      };
      this.pending = pending;
      let written: 'answered' | 'sent' | 'not sent';
      try {
        written = this.writeNow(datagram);
      } catch (error) {
        this.pending = undefined;
        reject(error);
        return;
      }
      if (written === 'answered') {
        this.answered.inPlace++;
        return;
      }
      this.answered.later++;
      timer = setTimeout(() => {
        this.pending = undefined;
        reject(new KernelRequestError(`no answer from the kernel within ${this.timeoutMs} ms`, constants.errno.ETIMEDOUT));
      }, this.timeoutMs);
      if (written === 'sent') return;
      this.socket.send(datagram).catch((error: unknown) => {
        clearTimeout(timer);
        this.pending = undefined;
        reject(error);
      });
    });
  }

  /**
   * Resolves now, or after a turn of the event loop when chunks have been answered in place for
   * YIELD_MS on end: a commit of many chunks then still lets timers, the sync socket and the
   * control socket in every few milliseconds.
   */
  private settle(resolve: () => void): void {
    const now = performance.now();
    this.busySince ??= now;
    if (now - this.busySince < YIELD_MS) {
      resolve();
      return;
    }
    this.busySince = undefined;
    setImmediate(resolve);
  }

  /**
   * Writes the chunk with write(2) and reads the answers the kernel queued meanwhile:
   * 'answered' (the barrier's answer was among them), 'sent' (the rest will come through the
   * binding), 'not sent' (no descriptor, or the socket cannot take it now: send it through the
   * binding). Throws what write(2) refuses otherwise.
   */
  private writeNow(datagram: Buffer): 'answered' | 'sent' | 'not sent' {
    const fd = this.fd;
    if (fd === undefined) return 'not sent';
    return withoutStackTraces(() => {
      try {
        writeSync(fd, datagram);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return 'not sent';
        throw new NetlinkSocketError(`write on the netlink socket failed: ${code ?? (error as Error).message}`, (error as NodeJS.ErrnoException).errno, { cause: error });
      }
      this.answers ??= Buffer.allocUnsafeSlow(ANSWER_ROOM);
      while (this.pending !== undefined) {
        let got: number;
        try {
          got = readSync(fd, this.answers, 0, this.answers.length, null);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EINTR') continue;
          if (code === 'ENOBUFS') {
            this.onOverrun();
            continue;
          }
          return 'sent'; // EAGAIN: what is left comes through the binding
        }
        this.onDatagram(this.answers.subarray(0, got));
      }
      return 'answered';
    });
  }

  close(): void {
    this.socket.close();
  }

  private onDatagram(buf: Buffer): void {
    const p = this.pending;
    if (p === undefined) return;
    const c = new MessageCursor(buf);
    while (c.next()) {
      if (c.type !== NlMsgType.error) continue;
      const error = errorCodeOf(c) ?? constants.errno.EPROTO;
      if (c.seq === p.barrier) {
        p.done(error);
        return;
      }
      const n = (c.seq - p.firstSeq) >>> 0;
      if (n < p.errors.length) p.errors[n] = error;
    }
  }

  /**
   * Replies were dropped, maybe the barrier's too: ask for a fresh barrier. (With the current
   * `netlink` binding an overrun aborts the process first; chunks are sized so that even
   * all-failure answers fit the receive buffer.)
   */
  private onOverrun(): void {
    this.overruns++;
    const p = this.pending;
    if (p === undefined) return;
    p.lost = true;
    p.barrier = this.reserve(1);
    const noop = Buffer.alloc(NLMSG_HDRLEN);
    writeHeader(noop, 0, NlMsgType.noop, NlmFlag.request | NlmFlag.ack, p.barrier);
    this.socket.send(noop).catch(() => undefined);
  }
}
