// Where keepalived's transitions come in: the notify FIFO (ordered) and `notify` requests on the
// control socket (half-notify, keepalived's notify script). half.conf [vrrp] notify chooses:
// `fifo` and `script` act on what they name (and on a request sent by hand), `both` acts on the
// FIFO alone and only records script calls, since a forked script can deliver a transition after
// the FIFO delivered the next one (config/keepalived-conf.ts actsOnNotifyScript).
//
// The FIFO: created by this daemon when missing (NotifyFifoReader) and removed at exit only if
// this daemon created it and no other process holds it open: keepalived opens the FIFO once, at
// its start, so removing one it uses would leave it writing into an inode nobody reads.
import { lstat, readdir, readFile, readlink, unlink } from 'node:fs/promises';
import type { HalfConfig } from '../config/half-conf.js';
import type { FailoverDriver } from '../ha/failover-driver.js';
import { NotifyFifoReader } from '../ha/notify-fifo.js';
import type { NotifyEvent } from '../ha/notify-event.js';
import type { Logger } from '../metrics/logger.js';

export class NotifyInputs {
  readonly counters = { fifoEvents: 0, controlEvents: 0, controlRecordedOnly: 0 };
  private reader: NotifyFifoReader | undefined;
  private createdFifo = false;

  constructor(
    private readonly config: HalfConfig,
    private readonly driver: FailoverDriver,
    private readonly logger: Logger,
  ) {}

  /** Lines of the FIFO not acted on, by reason (none while no FIFO is read). */
  fifoLines(): { readonly malformed: number; readonly overlong: number; readonly ignored: number } {
    const counters = this.reader?.decoder.counters;
    return { malformed: counters?.malformed ?? 0, overlong: counters?.overlong ?? 0, ignored: counters?.ignored ?? 0 };
  }

  get fifoPath(): string {
    return this.config.vrrp.notifyFifo;
  }

  /** Starts reading the FIFO when half.conf says keepalived writes to it. */
  async start(): Promise<void> {
    if (this.config.vrrp.notify === 'script') return;
    const existed = await lstat(this.fifoPath).then(() => true, () => false);
    const reader = new NotifyFifoReader({
      path: this.fifoPath,
      onEvent: (event) => this.fromFifo(event),
      onProblem: (message) => this.logger.warn('notify FIFO problem', { problem: message }),
    });
    await reader.start();
    this.reader = reader;
    this.createdFifo = !existed;
  }

  /** A transition forwarded on the control socket. */
  fromControl(event: NotifyEvent): void {
    if (this.config.vrrp.notify === 'both') {
      this.counters.controlRecordedOnly++;
      this.logger.info('keepalived notify script call recorded (the FIFO drives failover)', describe(event));
      return;
    }
    this.counters.controlEvents++;
    this.handle(event, 'control socket');
  }

  /** Stops reading; removes the FIFO if this daemon made it and nobody else has it open. */
  async stop(): Promise<void> {
    this.reader?.close();
    this.reader = undefined;
    if (!this.createdFifo) return;
    this.createdFifo = false;
    const holders = await fifoHolders(this.fifoPath);
    if (holders !== 'none') {
      this.logger.info(holders === 'held'
        ? 'notify FIFO left in place: another process (keepalived) holds it open'
        : 'notify FIFO left in place: whether keepalived holds it open cannot be seen from here', { path: this.fifoPath });
      return;
    }
    await unlink(this.fifoPath).catch(() => undefined);
  }

  private fromFifo(event: NotifyEvent): void {
    this.counters.fifoEvents++;
    this.handle(event, 'notify FIFO');
  }

  private handle(event: NotifyEvent, via: string): void {
    const transition = this.driver.handle(event);
    if (transition === undefined) {
      this.logger.debug('keepalived notification changes nothing', { via, ...describe(event) });
      return;
    }
    this.logger.info('failover transition', { via, from: transition.from, to: transition.to, actions: transition.plan.map((a) => a.kind).join(',') });
  }
}

function describe(event: NotifyEvent): Record<string, string | number> {
  return { type: event.type, name: event.name, state: event.state, priority: event.priority };
}

/**
 * Whether a process other than this one has `path` open (scans /proc/PID/fd): `unknown` when the
 * descriptors of a live keepalived cannot be read. Under half-syncd's unit (CapabilityBoundingSet
 * without CAP_SYS_PTRACE) those of keepalived, a root process with more capabilities, cannot;
 * taking that for "nobody" deleted the FIFO keepalived still wrote into on every restart. Other
 * processes whose descriptors cannot be read (init in a container) are not keepalived's FIFO
 * writers and are passed over.
 */
export async function fifoHolders(path: string): Promise<'held' | 'none' | 'unknown'> {
  const pids = await readdir('/proc').catch(() => [] as string[]);
  let unknown = false;
  for (const pid of pids) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let hidden = false;
    const unreadable = (error: unknown): void => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ESRCH') hidden = true; // ENOENT: the process or descriptor is gone
    };
    const fds = await readdir(`/proc/${pid}/fd`).catch((error: unknown) => (unreadable(error), [] as string[]));
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch((error: unknown) => (unreadable(error), ''));
      if (target === path) return 'held';
    }
    if (hidden && (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'keepalived') unknown = true;
  }
  return unknown ? 'unknown' : 'none';
}
