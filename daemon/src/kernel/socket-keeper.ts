// The main thread's side of the event socket keeper (event-socket-keeper-main.ts): one worker
// thread per process, started on first use (half-syncd's start: SocketKeeper.warm), that owns the
// conntrack event sockets while this thread reads them. A socket is leased: joined to the
// lessee's groups and watched (datagram-watch.ts) with its handlers; released: left by every
// group (the kernel stops building events for it, netlink_has_listeners), unwatched, its queue
// read and discarded, and kept for the next lease with the same buffer size. Subscriptions come and go around commits and role
// changes; their sockets (and the watches, which can never be closed) do not pile up. When the
// process exits, the keeper closes its sockets.
import { readSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NETLINK_NETFILTER } from './codec/nfnetlink.js';
import { watchDatagrams, type DatagramWatch, type DatagramWatchHandlers } from './datagram-watch.js';
import { NetlinkSocketError } from './errors.js';
import { HELPER_RELEASE_HINT, releaseMismatch } from './helper-release.js';
import { KeeperChannel, keeperData, type KeeperData, type KeeperRequest, type KeeperResult } from './keeper-protocol.js';
import { netlinkSocketFd } from './netlink-fd.js';
import { withoutStackTraces } from './without-stack-traces.js';

export interface LeaseRequest {
  readonly groups: readonly number[];
  readonly recvBufferSize?: number;
}

export interface EventSocketLease {
  readonly fd: number;
  /** The receive buffer the kernel granted. */
  readonly recvBufferSize: number;
  /** Gives the socket back (idempotent). */
  release(): void;
}

/** A socket of the keeper's, as this thread sees it: its descriptor, watch and current lessee. */
class KeptSocket {
  handlers: DatagramWatchHandlers | undefined;
  groups: readonly number[] = [];

  private constructor(
    readonly port: number,
    readonly fd: number,
    readonly requested: number | undefined,
    readonly granted: number,
    readonly watch: DatagramWatch,
  ) {}

  /** The socket with a (paused) watch on `fd`; undefined when it cannot be watched. */
  static watched(port: number, fd: number, requested: number | undefined, granted: number): KeptSocket | undefined {
    let kept: KeptSocket | undefined;
    const watch = watchDatagrams(fd, {
      datagram: (buf) => kept?.handlers?.datagram(buf),
      error: (errno) => kept?.handlers?.error(errno),
    });
    if (watch !== undefined) kept = new KeptSocket(port, fd, requested, granted, watch);
    return kept;
  }
}

/** Longest wait for the keeper's answer: a few system calls, so only a stuck thread takes this. */
const ANSWER_TIMEOUT_MS = 5000;
/** Longest wait for the keeper thread to start (it loads the binding); then the event pump is used. */
const START_TIMEOUT_MS = 20_000;

export interface KeeperOptions {
  /** Starts the keeper thread with `data` (default: event-socket-keeper-main next to this module). */
  readonly start?: (data: KeeperData) => Worker;
  readonly startTimeoutMs?: number;
  readonly answerTimeoutMs?: number;
}

/** Starts event-socket-keeper-main next to this module (.js when built; .ts through tsx's loader). */
function startKeeper(data: KeeperData): Worker {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const script = join(dirname(here), `event-socket-keeper-main${ext}`);
  if (ext !== '.ts') return new Worker(script, { workerData: data });
  // from the source tree: a worker does not inherit tsx's loader, so it registers it first
  const tsx = import.meta.resolve('tsx/esm/api');
  const shim = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(script).href)}); })`;
  return new Worker(shim, { eval: true, workerData: data });
}

export class SocketKeeper {
  private static shared: SocketKeeper | undefined;
  private readonly channel: KeeperChannel;
  private readonly ready: Promise<void>;
  private readonly idle: KeptSocket[] = [];
  private readonly all = new Set<KeptSocket>();
  private failure: Error | undefined;
  private readonly answerTimeoutMs: number;

  /** The process's keeper (started now if none runs, or if the last one failed). */
  static get(): SocketKeeper {
    if (SocketKeeper.shared === undefined || SocketKeeper.shared.failure !== undefined) SocketKeeper.shared = new SocketKeeper({});
    return SocketKeeper.shared;
  }

  /**
   * Starts the process's keeper now, if none runs, so that its file is read at the daemon's
   * start and not at a takeover, when an upgrade may have replaced it (helper-release.ts); the
   * first subscription then also finds the thread ready. The thread reads its file once it runs:
   * the daemon waits for that before it counts as started.
   */
  static warm(): Promise<void> {
    // resolves once the thread runs (its file read), whether it started or failed
    return SocketKeeper.get().ready.catch(() => undefined);
  }

  /** A keeper of its own, not the process's (tests: keepers that fail on purpose). */
  static start(options: KeeperOptions): SocketKeeper {
    return new SocketKeeper(options);
  }

  private constructor(options: KeeperOptions) {
    const data = keeperData();
    this.channel = new KeeperChannel(data);
    this.answerTimeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
    const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
    const worker = (options.start ?? startKeeper)(data);
    worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const late = setTimeout(() => {
        reject(this.fail(`did not start within ${startTimeoutMs} ms`));
        // it has no socket yet: nothing of ours goes with it
        void worker.terminate();
      }, startTimeoutMs).unref();
      worker.once('message', (message: unknown) => {
        clearTimeout(late);
        const mismatch = releaseMismatch('event-socket-keeper-main.js', (message as { release?: string } | null)?.release);
        if (mismatch === undefined) {
          resolve();
          return;
        }
        reject(this.fail(`refused: ${mismatch}`, undefined, HELPER_RELEASE_HINT));
        void worker.terminate(); // it has no socket yet
      });
      worker.on('error', (error) => {
        clearTimeout(late);
        reject(this.fail(`failed: ${error.message}`, error));
      });
      worker.on('exit', (code) => {
        clearTimeout(late);
        reject(this.fail(`exited (${code})`));
      });
    });
    this.ready.catch(() => undefined);
    process.once('exit', () => this.closeAll());
  }

  /** A socket joined to `req.groups`, watched with `handlers`. */
  async lease(req: LeaseRequest, handlers: DatagramWatchHandlers): Promise<EventSocketLease> {
    await this.ready;
    const at = this.idle.findIndex((k) => k.requested === req.recvBufferSize);
    const kept = at >= 0 ? (this.idle.splice(at, 1)[0] as KeptSocket) : this.open(req.recvBufferSize);
    try {
      this.call({ op: 'join', port: kept.port, groups: req.groups });
    } catch (error) {
      // it may have joined some of them: not fit for another lease
      this.all.delete(kept);
      this.tryClose(kept);
      throw error;
    }
    kept.groups = req.groups;
    kept.handlers = handlers;
    if (!kept.watch.resume()) {
      this.release(kept);
      throw new NetlinkSocketError(`libuv refused to watch the event socket (netlink port ${kept.port})`, undefined);
    }
    let released = false;
    return {
      fd: kept.fd,
      recvBufferSize: kept.granted,
      release: () => {
        if (released) return;
        released = true;
        this.release(kept);
      },
    };
  }

  private open(recvBufferSize: number | undefined): KeptSocket {
    const opened = this.call({ op: 'open', ...(recvBufferSize === undefined ? {} : { recvBufferSize }) });
    const port = opened.port as number;
    const fd = netlinkSocketFd(NETLINK_NETFILTER, port);
    const kept = fd === undefined ? undefined : KeptSocket.watched(port, fd, recvBufferSize, opened.recvBufferSize as number);
    if (kept === undefined) {
      this.call({ op: 'close', port });
      throw new NetlinkSocketError(fd === undefined ? `cannot find the descriptor of netlink port ${port} in /proc/self/fd` : 'this Node cannot watch a netlink socket (udp_wrap refused it)', undefined);
    }
    this.all.add(kept);
    return kept;
  }

  private release(kept: KeptSocket): void {
    kept.watch.pause();
    kept.handlers = undefined;
    try {
      this.call({ op: 'leave', port: kept.port, groups: kept.groups });
    } catch {
      // a keeper that cannot leave cannot be trusted with the socket: close it
      this.all.delete(kept);
      this.tryClose(kept);
      return;
    }
    kept.groups = [];
    discardQueued(kept.fd);
    this.idle.push(kept);
  }

  private closeAll(): void {
    for (const kept of this.all) {
      kept.watch.pause();
      this.tryClose(kept);
    }
    this.all.clear();
    this.idle.length = 0;
  }

  private tryClose(kept: KeptSocket): void {
    try {
      this.call({ op: 'close', port: kept.port });
    } catch {
      // the keeper is gone: its sockets went with its thread
    }
  }

  private call(req: KeeperRequest): KeeperResult & { ok: true } {
    if (this.failure !== undefined) throw this.failure;
    const result = this.channel.call(req, this.answerTimeoutMs);
    if (result === undefined) throw this.fail(`did not answer "${req.op}" within ${this.answerTimeoutMs} ms`);
    if (!result.ok) throw new NetlinkSocketError(result.message, result.errno, result.hint === undefined ? {} : { hint: result.hint });
    return result;
  }

  private fail(what: string, cause?: unknown, hint?: string): Error {
    this.failure ??= new NetlinkSocketError(`the event socket keeper thread ${what}`, undefined, { ...(cause === undefined ? {} : { cause }), ...(hint === undefined ? {} : { hint }) });
    return this.failure;
  }
}

/** Reads and drops what a released socket still holds (events from before its release). */
function discardQueued(fd: number): void {
  const buf = Buffer.allocUnsafe(64 * 1024);
  withoutStackTraces(() => {
    for (;;) {
      try {
        readSync(fd, buf, 0, buf.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOBUFS' || code === 'EINTR') continue;
        return;
      }
    }
  });
}
