// The client side of the control socket (`half`, `half-notify`, `half doctor`): one connection,
// one request, one answer. Every way of not getting an answer becomes a typed error naming the
// socket and the fix: no socket file, nobody listening, no permission, no answer in time, a
// daemon that takes no connections now (its queue is full, or it serves its limit already).
import { connect } from 'node:net';
import { ControlProtocolError, ControlReplyError, DaemonUnavailableError, type UnavailableReason } from './errors.js';
import { LineReader } from './line-reader.js';
import { decodeResponse, encodeRequest, type ControlRequest } from './protocol.js';

export interface ControlClientOptions {
  /** Give up after this long without an answer (default 10 s). */
  readonly timeoutMs?: number;
}

/** Largest answer accepted (a status of many peers stays far below). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function reasonOf(error: NodeJS.ErrnoException): UnavailableReason | undefined {
  switch (error.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'absent';
    case 'ECONNREFUSED':
    case 'ENOTSOCK':
      return 'refused';
    case 'EACCES':
    case 'EPERM':
      return 'permission';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'closed';
    // connect(2) on a unix stream socket whose listen backlog is full fails at once with EAGAIN
    // (it does not wait, unlike TCP): half-syncd is there but does not accept, stopped or stuck
    case 'EAGAIN':
      return 'not-accepting';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return undefined;
  }
}

/** Sends `request` to the daemon on `path`; resolves with its result, or rejects with a typed error. */
export function sendControlRequest(path: string, request: ControlRequest, options: ControlClientOptions = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path }); // a path, even one that reads as a TCP port ("9477")
    const reader = new LineReader(MAX_RESPONSE_BYTES);
    let settled = false;
    // one deadline for the whole answer: a socket's idle timeout restarts at every byte, and a
    // listener trickling a byte a second held `half status` and `half doctor` for hours (review)
    const deadline = setTimeout(() => finish(new DaemonUnavailableError(path, 'timeout')), options.timeoutMs ?? 10_000);
    const finish = (error: Error | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      if (error === undefined) resolve(value);
      else reject(error);
    };
    socket.once('connect', () => socket.write(encodeRequest(1, request)));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const reason = reasonOf(error);
      finish(reason === undefined ? new ControlProtocolError(`control socket ${path}: ${error.message}`, { cause: error }) : new DaemonUnavailableError(path, reason, { cause: error }));
    });
    socket.once('close', () => finish(new DaemonUnavailableError(path, 'closed')));
    socket.on('data', (chunk: Buffer) => {
      const piece = reader.push(chunk)[0];
      if (piece === undefined) return;
      if ('overlong' in piece) return finish(new ControlProtocolError(`half-syncd's answer on ${path} is longer than ${MAX_RESPONSE_BYTES} bytes`));
      const decoded = decodeResponse(piece.line);
      if (!decoded.ok) {
        return finish(new ControlProtocolError(`half-syncd's answer on ${path} does not decode: ${decoded.reason}`, { hint: 'are half and half-syncd from the same release? (`dpkg -l half-syncd`)' }));
      }
      const { response } = decoded;
      if (response.ok) finish(undefined, response.result);
      // at its connection limit the daemon answers `busy` before reading the request: the
      // command was not refused, only not taken now (exit 3, worth retrying; not 5)
      else if (response.error.code === 'busy') finish(new DaemonUnavailableError(path, 'busy', { cause: new ControlReplyError(response.error.code, response.error.message, response.error.fix) }));
      else finish(new ControlReplyError(response.error.code, response.error.message, response.error.fix));
    });
  });
}
