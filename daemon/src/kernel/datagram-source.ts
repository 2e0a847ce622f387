// Where conntrack event datagrams come from: the daemon's own thread (direct-source.ts, the
// default), the binding's socket in this process, or an event pump child process
// (event-pump-main.ts) that survives what the `netlink` binding does on an overrun (it aborts its
// process): the daemon's fallback, and `event-reader = pump`. When the pump reports ENOBUFS, the
// consumer is told "overrun"; when it dies, it is restarted, and the consumer is told once the new
// pump's socket has joined the groups (a dump begun before would miss what happened in between).
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HALF_VERSION } from '../cli/version.js';
import { NetlinkSocketError } from './errors.js';
import { HELPER_RELEASE_EXIT, HELPER_RELEASE_HINT } from './helper-release.js';
import { NetfilterSocket } from './netfilter-socket.js';
import { FrameReader, PumpControl } from './pump-frames.js';

export interface DatagramHandlers {
  datagram(buf: Buffer): void;
  overrun(): void;
  /** Echoes of `dropPorts` dropped at the source so far (the pump drops them before forwarding). */
  dropped?(total: number): void;
  /** All that a drain read has been handed over (KernelEventSink.settled). */
  settled(): void;
}

export interface DatagramSource {
  /** Resolves with the granted receive buffer size once the groups are joined. */
  start(handlers: DatagramHandlers): Promise<number>;
  /** Why the source last failed, if it did. */
  readonly lastError: string | undefined;
  /** Drains of the socket after a wake so far, where the source drains (a slow stream has none). */
  readonly drains?: number;
  /** Events the kernel has dropped for the socket so far, where the source can tell. */
  droppedByKernel?(): number | undefined;
  close(): void;
}

export interface SourceOptions {
  readonly groups: readonly number[];
  readonly recvBufferSize?: number;
  /** Netlink ports whose echoes the source may drop (single-message datagrams from them). */
  readonly dropPorts?: readonly number[];
  /** Backlog in user space above which datagrams are dropped (an overrun); default 512 MiB. */
  readonly maxBufferedBytes?: number;
}

/** The socket in this process. An overrun aborts the process (see event-pump-main.ts). */
export class InProcessSource implements DatagramSource {
  private socket: NetfilterSocket | undefined;
  constructor(private readonly options: SourceOptions) {}

  get lastError(): string | undefined {
    return this.socket?.lastError;
  }

  async start(handlers: DatagramHandlers): Promise<number> {
    this.socket = new NetfilterSocket({ ...this.options }, handlers);
    return this.socket.recvBufferSize;
  }

  close(): void {
    this.socket?.close();
  }
}

export interface PumpCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** How to run event-pump-main next to this module (.ts under tsx, .js when built). */
export function defaultPumpCommand(): PumpCommand {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const script = join(dirname(here), `event-pump-main${ext}`);
  return { command: process.execPath, args: [...(ext === '.ts' ? ['--import', 'tsx'] : []), script] };
}

const MAX_FAILED_STARTS = 5;
/** The pause before running the pump again after its spawn failed. */
const SPAWN_RETRY_MS = 200;
/** The longest pause between runs of a pump that keeps failing after one had started. */
const RESTART_BACKOFF_MAX_MS = 5_000;

export class PumpSource implements DatagramSource {
  private child: ChildProcess | undefined;
  private closing = false;
  private failedStarts = 0;
  /** Whether a pump ever became ready: from then on a pump that dies is always run again. */
  private everStarted = false;
  /** Pumps run again since the last ready one that did not become ready. */
  private failedRestarts = 0;
  lastError: string | undefined;
  restarts = 0;
  /** Echoes the pumps dropped, all restarts together. */
  dropped = 0;
  /** Drains of the socket the pumps reported, all restarts together. */
  drains = 0;
  /** Pumps that died since the last one started: overruns to report when the next has joined. */
  private owedOverruns = 0;

  constructor(
    private readonly options: SourceOptions,
    private readonly pump: PumpCommand = defaultPumpCommand(),
  ) {}

  start(handlers: DatagramHandlers): Promise<number> {
    return new Promise((resolve, reject) => this.spawnPump(handlers, resolve, reject));
  }

  close(): void {
    this.closing = true;
    // Only a pump that runs: kill() on a child whose spawn failed signals pid 0, this process's
    // whole group (libuv's uv_process_kill with no pid), which took the daemon down with it.
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }

  private spawnPump(handlers: DatagramHandlers, ready: (size: number) => void, failed: (e: Error) => void): void {
    const arg = JSON.stringify({ groups: this.options.groups, recvBufferSize: this.options.recvBufferSize, dropPorts: this.options.dropPorts, maxBufferedBytes: this.options.maxBufferedBytes, release: HALF_VERSION });
    const child = spawn(this.pump.command, [...this.pump.args, arg], { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    this.child = child;
    let started = false;
    let stderr = '';
    const droppedBefore = this.dropped;
    const drainsBefore = this.drains;
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const reader = new FrameReader({
      datagram: (buf) => handlers.datagram(buf),
      control: (code, value) => {
        if (code === PumpControl.ready && !started) {
          started = true;
          this.everStarted = true;
          this.failedStarts = 0;
          this.failedRestarts = 0;
          // the events lost with the last pump: a dump now has every entry made before this
          // pump's socket joined the groups, and the socket hears every later one
          for (; this.owedOverruns > 0; this.owedOverruns--) handlers.overrun();
          ready(value);
        } else if (code === PumpControl.overrun) handlers.overrun();
        else if (code === PumpControl.echoes) {
          this.dropped = droppedBefore + value;
          handlers.dropped?.(this.dropped);
        } else if (code === PumpControl.drains) this.drains = drainsBefore + value;
      },
    });
    // A spawn that failed (ENOENT, EACCES; EMFILE leaves no stdio at all) emits 'error' and no
    // 'exit': it ends the pump as an exit does, after a pause (a process out of descriptors
    // would otherwise spin), so the start is retried, then refused.
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null, spawned: boolean): void => {
      if (ended || this.closing) return;
      ended = true;
      this.lastError = spawned ? `event pump exited (${signal ?? code}): ${stderr.trim().split('\n').pop() ?? ''}` : this.lastError;
      if (!started && !this.everStarted && code === HELPER_RELEASE_EXIT) {
        // another release's pump (an upgrade under way): starting it again will not change that
        failed(new NetlinkSocketError(this.lastError ?? '', undefined, { hint: HELPER_RELEASE_HINT }));
        return;
      }
      // Before the first start, a pump that cannot start refuses the start. Once one ran, the
      // start has been answered: the pump is run again for as long as it takes, a little later
      // each time (up to RESTART_BACKOFF_MAX_MS), with lastError saying why.
      if (!started && !this.everStarted && ++this.failedStarts >= MAX_FAILED_STARTS) {
        failed(new NetlinkSocketError(`the conntrack event pump failed to start ${MAX_FAILED_STARTS} times: ${this.lastError}`, undefined, {
          hint: spawned ? 'half-syncd needs CAP_NET_ADMIN and nf_conntrack_netlink' : 'the pump could not be run: reinstall half-syncd (`apt-get install --reinstall half-syncd`), or with EMFILE give it more file descriptors',
        }));
        return;
      }
      if (started) this.owedOverruns++; // events until the new pump's socket exists are lost: reported once it does
      this.restarts++;
      const again = (): void => this.spawnPump(handlers, started || this.everStarted ? () => undefined : ready, failed);
      const failures = !started && this.everStarted ? ++this.failedRestarts : 0;
      const delay = failures > 0 ? Math.min(SPAWN_RETRY_MS * 2 ** (failures - 1), RESTART_BACKOFF_MAX_MS) : spawned ? 0 : SPAWN_RETRY_MS;
      if (delay === 0) again();
      else setTimeout(() => !this.closing && again(), delay).unref();
    };
    child.on('error', (error) => {
      this.lastError = `event pump: ${error.message}`;
      if (child.pid === undefined) end(null, null, false);
    });
    child.on('exit', (code, signal) => end(code, signal, true));
    (child.stdio?.[3] as Readable | undefined)?.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      handlers.settled();
    });
  }
}
