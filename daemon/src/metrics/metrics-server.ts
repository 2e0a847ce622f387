// The metrics endpoint: HTTP on 127.0.0.1 only (it has no authentication), serving GET and HEAD
// /metrics in the Prometheus text format; every other path is 404, every other method 405.
// The body is rendered per scrape by the injected `render` (main.ts: daemonMetrics of the current
// status through renderExposition), once for all scrapes that arrive while it runs. A failing
// render answers 500, one that takes longer than renderTimeoutMs 503, and the server goes on.
// At most METRICS_MAX_CONNECTIONS connections are kept: a newcomer beyond closes the oldest idle
// one, so idle or dribbling clients cannot keep a scraper out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HalfRepoError } from '../../../repo-tool/src/model/errors.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import { silentLogger, type Logger } from './logger.js';

/** Loopback only: the endpoint has no authentication (half.conf(5), [daemon] metrics-port). */
export const METRICS_HOST = '127.0.0.1';
export const METRICS_PATH = '/metrics';

export interface MetricsServerOptions {
  /** TCP port on 127.0.0.1 (half.conf [daemon] metrics-port, default 9477); 0 picks a free one. */
  readonly port: number;
  readonly render: () => string | Promise<string>;
  readonly logger?: Logger;
  /** How long a scrape waits for the render before it is answered 503; default METRICS_RENDER_TIMEOUT_MS. */
  readonly renderTimeoutMs?: number;
}

/**
 * How long a scrape waits for its render (the daemon's status: a read of the kernel's table
 * count among others). A render that never settled held every later scrape with it (review).
 */
export const METRICS_RENDER_TIMEOUT_MS = 5000;
/** Renders given up on (timed out) that may still be pending; past them a scrape starts none and is answered 503. */
const ABANDONED_RENDERS_MAX = 4;

export class MetricsServerError extends HalfRepoError {}

/** Connections kept at once; a newcomer beyond closes the oldest idle one (or itself, all busy). */
export const METRICS_MAX_CONNECTIONS = 32;
/** Requests one kept-alive connection may make; then it is closed (Prometheus reconnects). */
export const METRICS_MAX_REQUESTS_PER_CONNECTION = 1000;

/** How often a metrics port that was taken is tried again (listenOrRetry). */
export const METRICS_RETRY_MS = 30_000;

export class MetricsServer {
  readonly counters = { scrapes: 0, notFound: 0, badMethod: 0, renderErrors: 0, renderTimeouts: 0, listenFailures: 0, connectionsClosedForRoom: 0 };
  private readonly server: Server;
  private readonly logger: Logger;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private rendering: Promise<string> | undefined;
  private abandoned = 0;
  /** Open connections, oldest first, with the requests each has in progress. */
  private readonly connections = new Map<Socket, { requests: number }>();

  constructor(private readonly options: MetricsServerOptions) {
    this.logger = options.logger ?? silentLogger;
    // idle connections are checked every second (the default, 30 s, let 32 silent ones keep a
    // scraper out for up to 45 s: review)
    this.server = createServer({ connectionsCheckingInterval: 1000 }, (request, response) => void this.serve(request, response));
    this.server.keepAliveTimeout = 5000;
    this.server.headersTimeout = 5000;
    this.server.requestTimeout = 10_000;
    this.server.maxRequestsPerSocket = METRICS_MAX_REQUESTS_PER_CONNECTION;
    // A scraper needs one connection and asks once per interval; the rest is a runaway client.
    this.server.on('connection', (socket: Socket) => this.admit(socket));
  }

  /** Starts listening; resolves with the port (useful with port 0). */
  listen(): Promise<number> {
    const { port } = this.options;
    if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new MetricsServerError(`metrics port ${port} is not a TCP port`, { hint: 'set metrics-port in [daemon] of half.conf to 1-65535, or 0 to turn the endpoint off' }));
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) =>
        reject(new MetricsServerError(`cannot listen on ${METRICS_HOST}:${port} for metrics: ${error.code ?? error.message}`, {
          cause: error,
          hint: error.code === 'EADDRINUSE' ? `another program uses port ${port}: set metrics-port in [daemon] of half.conf to a free port` : undefined,
        }));
      this.server.once('error', onError);
      this.server.listen({ host: METRICS_HOST, port }, () => {
        this.server.off('error', onError);
        this.server.on('error', (error) => this.logger.error('metrics server error', { error: error.message }));
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Listens now or, while the port cannot be had (another program holds it), every `retryMs`
   * until it can: an endpoint for observers is not worth stopping replication for. The first
   * failure is logged as an error with its fix, the recovery as info. Resolves after the first
   * try; rejects only for a port that is no TCP port.
   */
  async listenOrRetry(retryMs = METRICS_RETRY_MS): Promise<void> {
    try {
      const port = await this.listen();
      if (this.counters.listenFailures > 0) this.logger.info('metrics endpoint serving now', { address: `${METRICS_HOST}:${port}`, failedTries: this.counters.listenFailures });
    } catch (error) {
      if (!(error instanceof MetricsServerError) || error.cause === undefined) throw error;
      if (this.counters.listenFailures++ === 0) {
        this.logger.error(`${error.message}: replication goes on without the metrics endpoint, which is tried again every ${retryMs / 1000} s`, { fix: error.hint ?? 'free the port' });
      }
      if (!this.closed) {
        this.retry = setTimeout(() => void this.listenOrRetry(retryMs).catch(() => undefined), retryMs);
        this.retry.unref();
      }
    }
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
  }

  /** Keeps a new connection, closing the oldest idle one when all places are taken (or the newcomer, all busy). */
  private admit(socket: Socket): void {
    if (this.connections.size >= METRICS_MAX_CONNECTIONS) {
      const idle = [...this.connections].find(([, state]) => state.requests === 0)?.[0];
      this.counters.connectionsClosedForRoom++;
      if (idle === undefined) {
        socket.destroy();
        return;
      }
      this.connections.delete(idle);
      idle.destroy();
    }
    this.connections.set(socket, { requests: 0 });
    socket.once('close', () => this.connections.delete(socket));
  }

  /**
   * One render serves every scrape that arrives while it runs: a client pipelining thousands of
   * requests costs one status and one exposition, not one each at once (each reads the kernel's
   * table count: the descriptors and memory of that ran out before the daemon's own needs).
   */
  private renderShared(): Promise<string> {
    if (this.rendering !== undefined) return this.rendering;
    const rendering = (async () => this.options.render())();
    this.rendering = rendering;
    rendering.catch((error: unknown) => {
      // once per render, however many scrapes wait on it
      this.counters.renderErrors++;
      this.logger.error('rendering metrics failed', { error: error instanceof Error ? error.message : String(error) });
    });
    const clear = (): void => {
      if (this.rendering === rendering) this.rendering = undefined;
    };
    rendering.then(clear, clear);
    return rendering;
  }

  /**
   * The render, or a RenderTimeout after renderTimeoutMs. A render given up on is dropped as the
   * shared one (the next scrape starts another) and counted until it settles.
   */
  private withinTimeout(rendering: Promise<string>): Promise<string> {
    const ms = this.options.renderTimeoutMs ?? METRICS_RENDER_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.counters.renderTimeouts++;
        if (this.rendering === rendering) {
          this.rendering = undefined;
          this.abandoned++;
          const settled = (): void => void this.abandoned--;
          rendering.then(settled, settled);
          this.logger.error('rendering metrics took too long: scrapes answered 503', { timeoutMs: ms });
        }
        reject(new RenderTimeout(`metrics not ready within ${ms / 1000} s (the daemon's status did not come); see journalctl -u half-syncd`));
      }, ms);
      rendering.then(
        (body) => {
          clearTimeout(timer);
          resolve(body);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== METRICS_PATH) {
      this.counters.notFound++;
      return plain(response, 404, `not found: metrics are at ${METRICS_PATH}\n`);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      this.counters.badMethod++;
      response.setHeader('Allow', 'GET, HEAD');
      return plain(response, 405, 'method not allowed: use GET\n');
    }
    const connection = this.connections.get(request.socket);
    if (connection !== undefined) {
      connection.requests++;
      response.once('close', () => connection.requests--);
    }
    if (this.rendering === undefined && this.abandoned >= ABANDONED_RENDERS_MAX) {
      this.counters.renderTimeouts++;
      return plain(response, 503, `metrics unavailable: ${this.abandoned} renders did not finish; see journalctl -u half-syncd\n`);
    }
    let body: string;
    try {
      body = await this.withinTimeout(this.renderShared());
    } catch (error) {
      if (error instanceof RenderTimeout) return plain(response, 503, `${error.message}\n`);
      const message = error instanceof Error ? error.message : String(error);
      return plain(response, 500, `rendering metrics failed: ${message}\n`);
    }
    this.counters.scrapes++;
    response.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  }
}

class RenderTimeout extends Error {}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
