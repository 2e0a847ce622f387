// The event pump's writes to its parent (fd 3, a non-blocking stream socket): straight write(2)
// while nothing waits in line, the stream (net.Socket) for whatever the pipe does not take at
// once. A wake of the pump ends with one such write; through the stream it cost a copy of the
// chunk, a write request and its completion callback (12-25 us a wake, timed in the pump).
// Order is kept: once bytes wait in the stream, later chunks queue behind them until it drains.
import { writeSync } from 'node:fs';

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
    let done = 0;
    if (this.stream.writableLength === 0) {
      const stackTraceLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0; // a full pipe answers EAGAIN, thrown: no stack to capture
      try {
        while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') throw error;
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
    }
    if (done === chunk.length) return;
    this.queued++;
    this.stream.write(Buffer.from(chunk.subarray(done)));
  }
}
