// Direct mode (half.conf [daemon] mode = direct, conntrackd's DisableExternalCache): every change
// a peer replicates is written into this node's kernel as it arrives, so a takeover needs no
// commit. Changes that arrive together are written together: they are queued and the queue is
// handed to the kernel writer once the sync datagram that brought them is handled (a microtask,
// run before Node reads the next datagram; and again, after a write completes, for what queued
// up meanwhile), so a burst costs one netlink datagram per sync datagram. A few changes are
// written and answered within that call (request-exchange.ts): the flow reaches this node's
// kernel before the event loop turns again.
// A batch holds one change per key, the latest: the writer treats each change on its own
// (create-or-update, retried in rounds), so two changes to one key in one batch could land in
// the wrong order (a delete, then a new set of the same flow, ending with no entry).
import type { KernelWriter } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';
import type { RecordChange } from '../model/record.js';

export class DirectInjector {
  readonly counters = { changes: 0, writes: 0, failed: 0, writeErrors: 0 };
  private queue: RecordChange[] = [];
  private writing = false;
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    private readonly writer: KernelWriter,
    private readonly logger: Logger,
  ) {}

  /** The sync node's external-change handler. Never throws. */
  readonly onChange = (_origin: number, change: RecordChange): void => {
    this.counters.changes++;
    this.queue.push(change);
    if (this.queue.length === 1 && this.wake === undefined) this.idle = new Promise((resolve) => (this.wake = resolve));
    this.schedule();
  };

  /** Resolves once everything queued so far is in the kernel. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = latestPerKey(this.queue);
      this.queue = [];
      try {
        const report = await this.writer.applyRecords(batch);
        this.counters.writes++;
        this.counters.failed += report.failed;
        if (report.failed > 0) this.logger.warn('direct mode: entries not written to the kernel', { failed: report.failed, of: batch.length });
      } catch (error) {
        this.counters.writeErrors++;
        this.logger.error('direct mode: writing to the kernel failed', { entries: batch.length, error: (error as Error).message });
      }
    }
    this.writing = false;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** The changes with only the last one of each key kept (in the order of those last ones). */
export function latestPerKey(changes: readonly RecordChange[]): RecordChange[] {
  if (changes.length < 2) return [...changes];
  const last = new Map<string, number>();
  changes.forEach((change, i) => last.set(keyOf(change), i));
  if (last.size === changes.length) return [...changes];
  return changes.filter((change, i) => last.get(keyOf(change)) === i);
}

function keyOf(change: RecordChange): string {
  const table = change.op === 'set' ? change.record.table : change.table;
  const key = change.op === 'set' ? change.record.key : change.key;
  return `${table}:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`;
}
