// The event pump's writes to its parent (fd 3, a non-blocking stream socket): straight write(2)
// while nothing waits in line, the stream (net.Socket) for whatever the pipe does not take at
// once. A wake of the pump ends with one such write; through the stream it cost a copy of the
// chunk, a write request and its completion callback (12-25 us a wake, timed in the pump).
// Order is kept: once bytes wait in the stream, later chunks queue behind them until it drains.
import { writeSync } from 'node:fs';
import { withoutStackTraces } from './without-stack-traces.js';

/** What the writer needs of the stream on the same descriptor (net.Socket has it). */
export interface FallbackStream {
  /** Bytes the stream holds, not yet taken by the pipe. */
  readonly writableLength: number;
  write(chunk: Buffer): boolean;
}

export class PipeWriter {
  /** Chunks that went through the stream because the pipe was full. */
  queued = 0;

  constructor(
    private readonly fd: number,
    private readonly stream: FallbackStream,
  ) {}

  /** Bytes waiting to be written (in the stream). */
  get backlog(): number {
    return this.stream.writableLength;
  }

  /** Writes `chunk`, a view the caller reuses once this returns: what waits is copied. */
  write(chunk: Buffer): void {
    const done = this.stream.writableLength === 0 ? withoutStackTraces(() => this.writeDirect(chunk)) : 0;
    if (done === chunk.length) return;
    this.queued++;
    this.stream.write(Buffer.from(chunk.subarray(done)));
  }

  /** Bytes of `chunk` the pipe took; a full pipe answers EAGAIN, which ends the write. */
  private writeDirect(chunk: Buffer): number {
    let done = 0;
    try {
      while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw error;
    }
    return done;
  }
}
