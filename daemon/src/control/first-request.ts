// The first request line of a connection, waited for a bounded time: what the control server
// reads from a connection past its limit, to serve keepalived's `notify` there too. Bytes after
// that line are not read as requests; a line over the size limit, the client's end without a
// line, or the time running out give `undefined`.
import type { Socket } from 'node:net';
import { LineReader } from './line-reader.js';

export interface FirstRequestOptions {
  readonly maxBytes: number;
  readonly withinMs: number;
}

/** Calls `decide` once: with the first non-blank line of `socket`, or undefined. */
export function awaitFirstRequest(socket: Socket, options: FirstRequestOptions, decide: (line: string | undefined) => void): void {
  let decided = false;
  const once = (line: string | undefined): void => {
    if (decided) return;
    decided = true;
    clearTimeout(timer);
    decide(line);
  };
  const timer = setTimeout(() => once(undefined), options.withinMs);
  timer.unref();
  socket.once('close', () => once(undefined));
  const reader = new LineReader(options.maxBytes);
  const take = (chunk: Buffer): void => {
    if (decided) return;
    for (const piece of reader.push(chunk)) {
      if ('overlong' in piece) return once(undefined);
      if (piece.line.trim() !== '') return once(piece.line);
    }
  };
  socket.on('data', take);
  socket.once('end', () => {
    if (reader.buffered > 0) take(Buffer.from('\n')); // a request without its newline (`printf … | socat`)
    once(undefined);
  });
}
