// One chunk of requests on the wire: a datagram of many netlink requests followed by an
// NLMSG_NOOP with NLM_F_ACK (the barrier), and the kernel's answers matched to the requests by
// sequence number. The kernel processes the whole datagram inside sendmsg and answers failures
// (and the barrier) in order, so when the barrier's answer arrives every failure of the chunk
// has been seen; requests without an answer succeeded. If the socket reports lost replies
// (ENOBUFS) the chunk is marked `lost` and a fresh barrier is requested.
//
// A small chunk (direct mode writes a few entries per wake) is exchanged within the call: the
// datagram is written with write(2) on the socket's descriptor and the answers, already queued
// when write returns, are read with read(2) up to the barrier's. The binding's way costs a turn
// of the event loop for the send's completion (a timer) and another for the answer (its poll,
// two recvmsg calls and a callback into JavaScript): some 18 us of CPU more per write of one
// entry (bench/direct-writes.ts: 36.8 against 18.4 us). Large chunks (a commit) keep the
// binding's way, so that the event loop turns between them. Should an answer not be there yet
// after all (it always is for NETLINK_NETFILTER), the rest comes through the binding.
import { readSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { errorCodeOf, MessageCursor, NLMSG_HDRLEN, NlMsgType, NlmFlag, writeHeader } from './codec/netlink-message.js';
import type { AttrWriter } from './codec/netlink-attr.js';
import { KernelRequestError } from './errors.js';
import { NETLINK_NETFILTER } from './codec/nfnetlink.js';
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

/** Chunks of up to this many requests are exchanged within the call (direct mode's, a few per wake). */
const IN_CALL_MAX_REQUESTS = 256;
/** Read buffer of the synchronous path: an answer is an nlmsgerr echoing one request (< 1 KiB). */
const ANSWER_BUFFER = 64 * 1024;
/** Fresh barriers one in-call exchange asks for after dropped answers, before it leaves the chunk to the binding. */
const MAX_REBARRIERS = 8;

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
  /** The socket's descriptor for the synchronous path (undefined: not found, or closed: the binding's way only). */
  private fd: number | undefined;
  private answerBuffer: Buffer | undefined;
  overruns = 0;
  /** Chunks exchanged within the call, and those whose answers came through the binding. */
  readonly exchanges = { inCall: 0, viaBinding: 0 };

  constructor(options: NetfilterSocketOptions, private readonly timeoutMs: number, exchangeInCall = true) {
    this.socket = new NetfilterSocket({ recvBufferSize: 16 * 1024 * 1024, ...options, groups: [] }, {
      datagram: (buf) => this.onDatagram(buf),
      overrun: () => this.onOverrun(),
    });
    this.fd = exchangeInCall ? netlinkSocketFd(NETLINK_NETFILTER, this.socket.port) : undefined;
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
    if (this.fd !== undefined && count <= IN_CALL_MAX_REQUESTS) {
      const answer = this.exchangeInCall(this.fd, datagram, firstSeq, count, barrier);
      if (answer !== undefined) return answer;
    }
    return this.exchangeViaBinding(datagram, firstSeq, count, barrier);
  }

  close(): void {
    // the number may soon be another file's: never written to again
    this.fd = undefined;
    this.socket.close();
  }

  /**
   * The synchronous path: write, then read the answers queued meanwhile. Undefined when the
   * write did not go out (the binding's way then sends it); a promise of the answer otherwise,
   * settled already unless the barrier's answer was not there (then the binding delivers it).
   */
  private exchangeInCall(fd: number, datagram: Buffer, firstSeq: number, count: number, barrier: number): Promise<ChunkAnswer> | undefined {
    if (!this.writeNow(fd, datagram)) return undefined;
    let answer: ChunkAnswer | undefined;
    const pending: Pending = {
      firstSeq,
      errors: new Int32Array(count),
      barrier,
      lost: false,
      done: (barrierError) => {
        this.pending = undefined;
        answer = { errors: pending.errors, lost: pending.lost, barrierError };
      },
    };
    this.pending = pending;
    this.readAnswers(fd, pending);
    if (answer !== undefined) {
      this.exchanges.inCall++;
      return Promise.resolve(answer);
    }
    // not answered yet: the binding's poll reads the rest
    this.exchanges.viaBinding++;
    return new Promise<ChunkAnswer>((resolve, reject) => {
      const timer = this.answerTimeout(reject);
      pending.done = (barrierError) => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve({ errors: pending.errors, lost: pending.lost, barrierError });
      };
    });
  }

  /** write(2) of one datagram; false if it did not go out (a full send buffer, an interrupted call). */
  private writeNow(fd: number, datagram: Buffer): boolean {
    try {
      return withoutStackTraces(() => writeSync(fd, datagram, 0, datagram.length)) === datagram.length;
    } catch {
      return false;
    }
  }

  /**
   * Reads what the socket holds until the pending chunk is answered or the socket is empty.
   * Answers the kernel dropped (ENOBUFS: the receive buffer was full) mark the chunk lost; the
   * queue is read to its end first, which makes room, and only then is a fresh barrier written
   * (written at once, its answer could be dropped too, on and on). At most MAX_REBARRIERS.
   */
  private readAnswers(fd: number, pending: Pending): void {
    const buf = (this.answerBuffer ??= Buffer.allocUnsafeSlow(ANSWER_BUFFER));
    let rebarriers = 0;
    let needBarrier = false;
    withoutStackTraces(() => {
      while (this.pending === pending) {
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOBUFS') {
            this.overruns++;
            pending.lost = true;
            needBarrier = true;
            continue;
          }
          if (code === 'EINTR') continue;
          // EAGAIN: all read. The barrier's answer was dropped: ask for another
          if (code === 'EAGAIN' && needBarrier && rebarriers < MAX_REBARRIERS) {
            rebarriers++;
            needBarrier = false;
            if (this.sendFreshBarrier(fd, pending)) continue;
          }
          return; // or a broken socket: the binding's poll (and the answer timeout) from here
        }
        // no netlink answer is empty: a read of nothing is not a socket's, stop here
        if (n === 0) return;
        this.onDatagram(buf.subarray(0, n));
      }
    });
  }

  /** Sends a fresh barrier for `pending`: true when written here, false when the binding sends it. */
  private sendFreshBarrier(fd: number, pending: Pending): boolean {
    const noop = Buffer.alloc(NLMSG_HDRLEN);
    pending.barrier = this.reserve(1);
    writeHeader(noop, 0, NlMsgType.noop, NlmFlag.request | NlmFlag.ack, pending.barrier);
    if (this.writeNow(fd, noop)) return true;
    this.socket.send(noop).catch(() => undefined);
    return false;
  }

  private exchangeViaBinding(datagram: Buffer, firstSeq: number, count: number, barrier: number): Promise<ChunkAnswer> {
    this.exchanges.viaBinding++;
    return new Promise<ChunkAnswer>((resolve, reject) => {
      const errors = new Int32Array(count);
      const timer = this.answerTimeout(reject);
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

  private answerTimeout(reject: (error: Error) => void): NodeJS.Timeout {
    return setTimeout(() => {
      this.pending = undefined;
      reject(new KernelRequestError(`no answer from the kernel within ${this.timeoutMs} ms`, constants.errno.ETIMEDOUT));
    }, this.timeoutMs);
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
