// Reads keepalived's vrrp_notify_fifo without ever blocking the event loop.
//
// keepalived (lib/notify.c, fifo_open) creates the FIFO when it is missing (and then unlinks it
// when it exits), or uses the one it finds; it opens it O_RDWR|O_NONBLOCK, so it never waits for
// a reader and a full FIFO drops lines. We therefore create the FIFO ourselves before keepalived
// starts (mode 0600), so its inode survives keepalived restarts, and open it O_RDWR|O_NONBLOCK
// too: the open returns at once, and holding a write end means we never see EOF when keepalived
// closes its end. The descriptor is read through a libuv pipe (net.Socket), not the thread pool.
// A periodic check reopens the FIFO when the path was removed or replaced (a keepalived that
// started first created and then removed its own), recreating it if needed.
import { execFile } from 'node:child_process';
import { close as closeCb, constants, fstat as fstatCb, open as openCb, stat as statCb, type Stats } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, DaemonStartError } from '../errors.js';
import type { NotifyEvent } from './notify-event.js';
import { NotifyStreamDecoder } from './notify-stream.js';

const openFd = promisify(openCb);
const statPath = promisify(statCb);
const fstatFd = promisify(fstatCb);
const closeFd = promisify(closeCb);
const run = promisify(execFile);

export interface NotifyFifoOptions {
  readonly path: string;
  readonly onEvent: (event: NotifyEvent) => void;
  /** Reported problems (path is not a FIFO, cannot be created, a line dropped); reading goes on where it can. */
  readonly onProblem?: (message: string) => void;
  /** How often the path is checked for removal or replacement; default 1000 ms. */
  readonly checkIntervalMs?: number;
}

interface Opened {
  readonly socket: Socket;
  readonly dev: number;
  readonly ino: number;
}

export class NotifyFifoReader {
  readonly decoder = new NotifyStreamDecoder((reason) => this.problem(reason));
  readonly counters = { opens: 0, problems: 0 };
  private current: Opened | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private closed = false;

  constructor(private readonly options: NotifyFifoOptions) {}

  /** Creates the FIFO if needed and starts reading. Rejects if it cannot be opened at all. */
  async start(): Promise<void> {
    await this.ensureFifo();
    try {
      this.current = await this.openFifo();
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new DaemonStartError(`cannot open the notify FIFO ${this.options.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
        hint: 'check that half-syncd may read it, or set [vrrp] notify-fifo in /etc/half/half.conf to a path below /run/half (under half-syncd\'s unit only /run/half and /var/lib/half are writable)',
      });
    }
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Stops reading; the FIFO itself stays for the next reader. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.current?.socket.destroy();
    this.current = undefined;
  }

  private problem(message: string): void {
    this.counters.problems++;
    this.options.onProblem?.(`${this.options.path}: ${message}`);
  }

  private async ensureFifo(): Promise<void> {
    let info: Stats | undefined;
    try {
      info = await statPath(this.options.path);
    } catch {
      info = undefined;
    }
    if (info !== undefined) return;
    try {
      await mkdir(dirname(this.options.path), { recursive: true, mode: 0o755 });
    } catch (error) {
      throw new DaemonStartError(`cannot create ${dirname(this.options.path)}, the folder of the notify FIFO: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
        hint: 'set [vrrp] notify-fifo in /etc/half/half.conf to a path below /run/half (under half-syncd\'s unit only /run/half and /var/lib/half are writable)',
      });
    }
    try {
      await run('mkfifo', ['-m', '0600', this.options.path]);
    } catch (error) {
      // Someone (keepalived) may have created it in between; openFifo checks what is there.
      const exists = await statPath(this.options.path).then(() => true, () => false);
      if (!exists) throw new DaemonStartError(`cannot create the notify FIFO ${this.options.path}: ${(error as Error).message}`, { hint: 'check that its directory is writable by half-syncd, or set [vrrp] notify-fifo in /etc/half/half.conf to another path' });
    }
  }

  private async openFifo(): Promise<Opened> {
    const fd = await openFd(this.options.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    let info: Stats;
    try {
      info = await fstatFd(fd);
    } catch (error) {
      await closeFd(fd).catch(() => undefined);
      throw error;
    }
    if (!info.isFIFO()) {
      await closeFd(fd).catch(() => undefined);
      throw new ConfigError(`${this.options.path} is not a FIFO`, { hint: `remove it (half-syncd makes the FIFO keepalived writes into), or set [vrrp] notify-fifo in /etc/half/half.conf to another path` });
    }
    const socket = new Socket({ fd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.decoder.push(chunk)) {
        try {
          this.options.onEvent(event);
        } catch (error) {
          this.problem(`event handler failed: ${(error as Error).message}`);
        }
      }
    });
    socket.on('error', (error) => {
      this.problem(`read failed: ${error.message}; opening it again`);
      // the socket is gone: the next check opens the FIFO again (it compares with `current`)
      if (this.current?.socket === socket) this.current = undefined;
      socket.destroy();
    });
    this.counters.opens++;
    return { socket, dev: info.dev, ino: info.ino };
  }

  /** Reopens when the path no longer names the FIFO we read. */
  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const info = await statPath(this.options.path).catch(() => undefined);
      if (info !== undefined && info.dev === this.current?.dev && info.ino === this.current.ino) return;
      if (info !== undefined && !info.isFIFO()) {
        this.problem('is not a FIFO any more; remove it so that it can be recreated');
        return;
      }
      if (info === undefined) await this.ensureFifo();
      const next = await this.openFifo();
      if (this.closed) {
        next.socket.destroy();
        return;
      }
      const previous = this.current;
      this.current = next;
      previous?.socket.destroy();
    } catch (error) {
      this.problem((error as Error).message);
    } finally {
      this.checking = false;
    }
  }
}
