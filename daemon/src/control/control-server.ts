// The control socket server: JSON lines (protocol.ts) on a unix stream socket, each request
// handed to the injected ControlHandler, answers written back in request order. Whatever a
// client sends (bad JSON, unknown commands, endless lines, a flood of connections), the server
// answers with a structured error, counts it by code and keeps serving; a line longer than
// MAX_REQUEST_BYTES is answered and its connection closed, and so is a connection with more than
// maxPipelined answers not yet taken by the kernel (a client that does not read them), and a
// connection that, once it sends anything after its last request, does not complete the next one
// within requestTimeoutMs. A connection answered on its way out (`busy`, line-too-long) no
// longer counts against maxConnections, and whatever it sends after is dropped without keeping it
// open: it is destroyed once the client has read the answer and closed, or closeGraceMs after the
// answer at the latest. A `notify` (half-notify, keepalived's transitions) is served even past
// maxConnections: whatever holds the connections, a transition gets through.
import { createServer, type Server, type Socket } from 'node:net';
import { silentLogger, type Logger } from '../metrics/logger.js';
import type { ControlHandler } from './control-handler.js';
import { ControlCommandError } from './errors.js';
import { awaitFirstRequest } from './first-request.js';
import { LineReader } from './line-reader.js';
import { decodeRequest, encodeResponse, MAX_REQUEST_BYTES, type ControlRequest, type ControlResponse, type RequestId } from './protocol.js';
import { bindSocketFile, removeSocketFile } from './socket-file.js';

const NEWLINE = Buffer.from('\n');

export interface ControlServerOptions {
  /** Socket path (half.conf [daemon] control-socket; default /run/half/half.sock). */
  readonly path: string;
  /** Connections served at once; more are answered `busy` and closed (default 16). */
  readonly maxConnections?: number;
  /** A connection silent this long is closed (default 30 s). */
  readonly idleTimeoutMs?: number;
  /**
   * A connection that sends anything after its last request (a byte, a blank line) must complete
   * its next request line within this long, however it dribbles bytes meanwhile; else it is
   * closed (default 10 s). Silence between requests meets idleTimeoutMs only.
   */
  readonly requestTimeoutMs?: number;
  readonly maxRequestBytes?: number;
  /** Requests read but not answered yet on one connection; beyond, it is answered `busy` and closed (default 64). */
  readonly maxPipelined?: number;
  /**
   * How long a connection answered on its way out (`busy`, line-too-long) is kept after its
   * answer, for the client to read it and close first (default 1 s).
   */
  readonly closeGraceMs?: number;
  readonly logger?: Logger;
}

export interface ControlServerCounters {
  connections: number;
  requests: number;
  /** Requests answered with an error, all codes together (by code: `errors`). */
  failed: number;
  readonly commands: Record<string, number>;
  readonly errors: Record<string, number>;
}

export class ControlServer {
  readonly counters: ControlServerCounters = { connections: 0, requests: 0, failed: 0, commands: {}, errors: {} };
  private readonly server: Server;
  /** Every open connection (closed with the server). */
  private readonly sockets = new Set<Socket>();
  /** The connections being served: those counted against maxConnections. */
  private readonly served = new Set<Socket>();
  /**
   * Connections past the limit whose first request is awaited, to serve it if it is a `notify`,
   * each with what answers it `busy`; in the order they came (the oldest makes room when full).
   */
  private readonly overLimit = new Map<Socket, () => void>();
  private inode: number | undefined;
  private readonly maxConnections: number;
  private readonly idleTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxRequestBytes: number;
  private readonly maxPipelined: number;
  private readonly closeGraceMs: number;
  private readonly logger: Logger;

  constructor(
    private readonly handler: ControlHandler,
    private readonly options: ControlServerOptions,
  ) {
    this.maxConnections = options.maxConnections ?? 16;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
    this.maxPipelined = options.maxPipelined ?? 64;
    this.closeGraceMs = options.closeGraceMs ?? 1000;
    this.logger = options.logger ?? silentLogger;
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => this.logger.error('control socket error', { error: error.message }));
  }

  get path(): string {
    return this.options.path;
  }

  /** Creates the socket (mode 0600) and starts serving. */
  async listen(): Promise<void> {
    this.inode = await bindSocketFile(this.server, this.options.path);
  }

  /** Stops serving, drops open connections and removes the socket file (if still ours). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.inode !== undefined) await removeSocketFile(this.options.path, this.inode);
    this.inode = undefined;
  }

  /** The counters as flat numbers, e.g. for DaemonStatus.counters.control. */
  flatCounters(): Record<string, number> {
    const out: Record<string, number> = { connections: this.counters.connections, requests: this.counters.requests, failed: this.counters.failed };
    for (const [cmd, n] of Object.entries(this.counters.commands)) out[`command.${cmd}`] = n;
    for (const [code, n] of Object.entries(this.counters.errors)) out[`error.${code}`] = n;
    return out;
  }

  private countError(code: string): void {
    this.counters.failed++;
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
  }

  /**
   * Sends a connection's last answer and closes it. Bytes it sends from now on are read and
   * dropped, so its end is seen, but with no timer running that a byte could reset: it is
   * destroyed when the client has read and closed its side, or closeGraceMs from now.
   */
  private answerAndClose(socket: Socket, text: string): void {
    this.served.delete(socket); // its slot is free for the next client (half-notify) at once
    socket.setTimeout(0);
    const grace = setTimeout(() => socket.destroy(), this.closeGraceMs);
    grace.unref();
    socket.once('close', () => clearTimeout(grace));
    socket.resume();
    socket.end(text);
  }

  /**
   * A connection past maxConnections: its first request line is read, for closeGraceMs at most,
   * and served if it is a `notify` (keepalived's notify script must never be kept out by other
   * clients: half-notify does not retry); anything else, or nothing in time, is answered `busy`.
   * At most 4 × maxConnections wait so at once (each holds at most maxRequestBytes for
   * closeGraceMs); a newcomer beyond answers the oldest `busy`, so silent connections cannot fill
   * the wait and keep a notify out (half-notify sends its request as soon as it connects).
   */
  private acceptOverLimit(socket: Socket): void {
    let decided = false;
    const decide = (): boolean => {
      if (decided) return false;
      decided = true;
      this.overLimit.delete(socket);
      return true;
    };
    const busy = (): void => {
      if (!decide()) return;
      this.countError('busy');
      this.answerAndClose(socket, encodeResponse({ ok: false, id: null, error: { code: 'busy', message: `too many control connections (${this.maxConnections})`, fix: 'retry in a moment' } }));
    };
    if (this.overLimit.size >= 4 * this.maxConnections) this.overLimit.values().next().value?.();
    this.overLimit.set(socket, busy);
    awaitFirstRequest(socket, { maxBytes: this.maxRequestBytes, withinMs: this.closeGraceMs }, (line) => {
      if (decided) return;
      if (socket.destroyed) return void decide();
      const decoded = line === undefined ? undefined : decodeRequest(line);
      if (line === undefined || decoded?.ok !== true || decoded.request.cmd !== 'notify') return busy();
      decide();
      void this.answer(line).then((text) => this.answerAndClose(socket, text));
    });
  }

  private accept(socket: Socket): void {
    this.counters.connections++;
    socket.on('error', () => undefined);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.served.size >= this.maxConnections) {
      this.acceptOverLimit(socket);
      return;
    }
    this.served.add(socket);
    socket.once('close', () => this.served.delete(socket));
    socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
    const reader = new LineReader(this.maxRequestBytes);
    let queue: Promise<void> = Promise.resolve();
    let closing = false;
    let pending = 0;
    // The idle timeout is reset by any byte; this deadline, set by the first byte after the last
    // request, only by the next request, so a client that sends a byte (or a blank line) now and
    // then cannot hold one of the few connections (half-notify needs one). A connection silent
    // between requests meets the idle timeout only.
    let deadline: NodeJS.Timeout | undefined;
    const expire = (): void => {
      deadline = undefined;
      if (pending > 0) return; // an answer is being worked on: the request was complete
      this.countError('request-timeout');
      socket.destroy();
    };
    const armDeadline = (): void => {
      if (deadline !== undefined || closing) return;
      deadline = setTimeout(expire, this.requestTimeoutMs);
      deadline.unref();
    };
    const clearDeadline = (): void => {
      clearTimeout(deadline);
      deadline = undefined;
    };
    socket.once('close', clearDeadline);
    const answered = (): void => {
      if (--pending === 0 && reader.buffered > 0) armDeadline(); // a next request begun meanwhile
    };
    // The last answer, after those already queued; from now on nothing more is read as requests.
    // The slot is freed with that answer (answerAndClose), not before: the requests queued ahead
    // of it still run, and a client reconnecting at once would otherwise queue as many again.
    const closeWith = (response: ControlResponse): void => {
      closing = true;
      clearDeadline();
      queue = queue.then(() => this.answerAndClose(socket, encodeResponse(response)));
    };
    const take = (chunk: Buffer): void => {
      if (closing) return; // dropped: the connection is on its way out
      armDeadline();
      for (const piece of reader.push(chunk)) {
        if ('overlong' in piece) {
          this.countError('line-too-long');
          closeWith({ ok: false, id: null, error: { code: 'line-too-long', message: `request line longer than ${this.maxRequestBytes} bytes`, fix: 'send one JSON object per line' } });
          return;
        }
        if (piece.line.trim() === '') continue;
        if (pending >= this.maxPipelined) {
          // a client that does not read its answers is destroyed closeGraceMs after the last one
          this.countError('busy');
          closeWith({ ok: false, id: null, error: { code: 'busy', message: `more than ${this.maxPipelined} requests waiting on one connection`, fix: 'read the answers before sending more requests' } });
          return;
        }
        const line = piece.line;
        pending++;
        clearDeadline();
        // A request counts as pending until its answer has left for the kernel, not just until
        // it is computed: a client that keeps asking but never reads would otherwise make the
        // answers pile up in our socket's buffer without bound.
        // No idle timeout while the daemon works on an answer (a commit of a large table takes
        // longer than it); a client that does not read its answers still meets it.
        queue = queue.then(() => {
          socket.setTimeout(0);
          return this.answer(line).then((text) => {
            if (!socket.destroyed && !closing) socket.setTimeout(this.idleTimeoutMs);
            if (socket.writable) socket.write(text, answered);
            else answered();
          });
        });
      }
      if (reader.buffered > 0) armDeadline(); // the next request has begun
    };
    socket.on('data', take);
    socket.once('end', () => {
      // a last request without its newline (`printf … | socat`) is answered like the others
      if (reader.buffered > 0) take(NEWLINE);
      queue = queue.then(() => void socket.end());
    });
  }

  /** The response line to one request line; never rejects. */
  private async answer(line: string): Promise<string> {
    this.counters.requests++;
    const decoded = decodeRequest(line);
    if (!decoded.ok) {
      this.countError(decoded.error.code);
      return encodeResponse(decoded);
    }
    const { id, request } = decoded;
    this.counters.commands[request.cmd] = (this.counters.commands[request.cmd] ?? 0) + 1;
    try {
      const result = await this.run(request);
      return encodeResponse({ ok: true, id, result: result ?? null });
    } catch (error) {
      return this.failure(id, request, error);
    }
  }

  private run(request: ControlRequest): unknown {
    switch (request.cmd) {
      case 'status':
        return this.handler.status();
      case 'commit':
        return this.handler.commit();
      case 'flush':
        return this.handler.flush(request.target);
      case 'resync':
        return this.handler.resync(request.source);
      case 'notify':
        return Promise.resolve(this.handler.notify(request.event)).then(() => ({ accepted: true }));
    }
  }

  private failure(id: RequestId, request: ControlRequest, error: unknown): string {
    if (error instanceof ControlCommandError) {
      this.countError(error.code);
      return encodeResponse({ ok: false, id, error: { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { fix: error.hint }) } });
    }
    this.countError('internal');
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error('control command failed', { cmd: request.cmd, error: message });
    return encodeResponse({ ok: false, id, error: { code: 'internal', message: `${request.cmd} failed: ${message}`, fix: 'see `journalctl -u half-syncd`' } });
  }
}
