// Keeps the failback gate's track file true to the sync node's state (resync-verdict.ts), on the
// daemon's Clock:
//   - open() writes the first value at once, before the daemon opens anything: pending (1),
//     unless the node already holds its virtual addresses (a restart on the MASTER must not lower
//     its priority for as long as the daemon takes to start); whatever a crashed daemon left
//     there is overwritten. A path that cannot be written stops the start (TrackFileError);
//   - every checkMs the verdict is taken again and written when it changed, with a log line;
//   - every reassertMs the file is read back and rewritten when it differs: keepalived's
//     `init_file 1 overwrite` writes 1 whenever keepalived (re)starts, and a deleted file reads
//     as 0 in keepalived;
//   - stop(), and the process's 'exit' hook (a crash that still exits through Node), write 1
//     unless this node is the sender: a receiver's copy of the peers' table dies with the
//     process, whereas a sender's table is its kernel's and stays (stopping half-syncd on the
//     MASTER must not move the addresses). A SIGKILL leaves the last value; the next start,
//     or keepalived's next start, overwrites it.
import type { Logger } from '../metrics/logger.js';
import type { Clock, TimerHandle } from '../sync/clock.js';
import { resyncVerdict, type NodeView, type ResyncVerdict } from './resync-verdict.js';
import { readTrackFile, trackFileText, writeTrackFile } from './track-file.js';

export interface ResyncTrackerOptions {
  /** [vrrp] resync-file. */
  readonly path: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The value to start from: false only when the node already serves (holds its addresses). */
  readonly pending: boolean;
  /** How often the verdict is taken (default 100 ms). */
  readonly checkMs?: number;
  /** How often the file is read back (default 1000 ms). */
  readonly reassertMs?: number;
}

export interface ResyncTrackerCounters {
  /** Values written because the verdict changed (the first one included). */
  changes: number;
  /** Rewrites of a file found holding something else (keepalived restarted, file deleted). */
  rewrites: number;
  /** Writes that failed after the start (logged; retried at the next check). */
  writeErrors: number;
}

export class ResyncTracker {
  readonly counters: ResyncTrackerCounters = { changes: 0, rewrites: 0, writeErrors: 0 };
  private written: boolean;
  private sending = false;
  private view: (() => NodeView) | undefined;
  private timer: TimerHandle | undefined;
  private lastReassert: number;
  private stopped = false;
  private readonly onExit = (): void => this.final();

  private constructor(private readonly options: ResyncTrackerOptions) {
    this.written = options.pending;
    this.lastReassert = options.clock.now();
  }

  /** Writes the first value and returns the tracker. Throws TrackFileError. */
  static open(options: ResyncTrackerOptions): ResyncTracker {
    const tracker = new ResyncTracker(options);
    writeTrackFile(options.path, options.pending);
    tracker.counters.changes++;
    process.on('exit', tracker.onExit);
    return tracker;
  }

  /** The value in the file (as last written). */
  get pending(): boolean {
    return this.written;
  }

  /** Starts following `view` (the sync node's state). */
  follow(view: () => NodeView): void {
    this.view = view;
    this.check();
  }

  /** Writes the value a stopping daemon leaves behind and stops the timer. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.final();
    this.stopped = true;
    process.off('exit', this.onExit);
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private final(): void {
    // never followed: the start failed, and what `open` wrote (0 on the node holding the VIPs) stands
    if (this.stopped || this.view === undefined) return;
    // the role now, not the last check's: a stop right after a takeover made this node the sender
    // must not leave 1 on the MASTER (its last check may be 100 ms old)
    let sending = this.sending;
    try {
      sending = this.view().role === 'sender';
    } catch {
      // the node is gone already (a crash on the way out): the last check's role stands
    }
    if (!sending) this.write(true);
  }

  private check(): void {
    const { clock, logger, path } = this.options;
    if (this.stopped || this.view === undefined) return;
    const view = this.view();
    this.sending = view.role === 'sender';
    const verdict: ResyncVerdict = resyncVerdict(view, this.written);
    if (verdict.pending !== this.written) {
      if (this.write(verdict.pending)) {
        this.counters.changes++;
        const fields = { file: path, reason: verdict.reason };
        if (verdict.pending) logger.info('resync pending: keepalived keeps this node\'s priority at 1 until it holds the active node\'s connections', fields);
        else logger.info('resync done: keepalived may give this node its virtual addresses', fields);
      }
    }
    const now = clock.now();
    if (now - this.lastReassert >= (this.options.reassertMs ?? 1000)) {
      this.lastReassert = now;
      if (readTrackFile(path) !== trackFileText(this.written).trim() && this.write(this.written)) {
        this.counters.rewrites++;
        logger.info('resync file rewritten (keepalived restarted, or the file changed)', { file: path, pending: this.written });
      }
    }
    this.timer = clock.setTimeout(() => this.check(), this.options.checkMs ?? 100);
  }

  /** true when written; a failure is logged and counted (the next check tries again). */
  private write(pending: boolean): boolean {
    try {
      writeTrackFile(this.options.path, pending);
      this.written = pending;
      return true;
    } catch (error) {
      this.counters.writeErrors++;
      this.options.logger.error('cannot update the resync file', { file: this.options.path, error: (error as Error).message });
      return false;
    }
  }
}
