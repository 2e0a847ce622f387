// One chunk of requests on the wire: a datagram of many netlink requests followed by an
// NLMSG_NOOP with NLM_F_ACK (the barrier), and the kernel's answers matched to the requests by
// sequence number. The kernel processes the whole datagram inside sendmsg and answers failures
// (and the barrier) in order, so when the barrier's answer arrives every failure of the chunk
// has been seen; requests without an answer succeeded. If the socket reports lost replies
// (ENOBUFS) the chunk is marked `lost` and a fresh barrier is requested.
import { constants } from 'node:os';
import { errorCodeOf, MessageCursor, NLMSG_HDRLEN, NlMsgType, NlmFlag, writeHeader } from './codec/netlink-message.js';
import type { AttrWriter } from './codec/netlink-attr.js';
import { KernelRequestError } from './errors.js';
import { NetfilterSocket, type NetfilterSocketOptions } from './netfilter-socket.js';

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

export class RequestExchange {
  private readonly socket: NetfilterSocket;
  private pending: Pending | undefined;
  private seq = 1;
  private sendBuffer: number | undefined;
  overruns = 0;

  constructor(options: NetfilterSocketOptions, private readonly timeoutMs: number) {
    this.socket = new NetfilterSocket({ recvBufferSize: 16 * 1024 * 1024, ...options, groups: [] }, {
      datagram: (buf) => this.onDatagram(buf),
      overrun: () => this.onOverrun(),
    });
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
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new KernelRequestError(`no answer from the kernel within ${this.timeoutMs} ms`, constants.errno.ETIMEDOUT));
      }, this.timeoutMs);
      const pending: Pending = {
        firstSeq,
        errors,
        barrier,
        lost: false,
        done: (barrierError) => {
          clearTimeout(timer);
          this.pending = undefined;
          resolve({ errors, lost: pending.lost, barrierError });
        },
      };
      this.pending = pending;
      this.socket.send(datagram).catch((error: unknown) => {
        clearTimeout(timer);
        this.pending = undefined;
        reject(error);
      });
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
