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
// the wrong order (a delete, then a new set of the same flow, ending with no entry). A set that
// follows a delete of its key starts the next batch instead: the connection was closed and a new
// one took its original tuple (a port reused), whose reply tuple and NAT may differ, and an
// update of the old entry cannot change those (only a delete and a create can).
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
      const { batch, rest } = nextBatch(this.queue);
      this.queue = rest;
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

/**
 * The next batch to write: the changes up to the first set of a key deleted before it in the
 * queue, with only the last change of each key kept (in the order of those last ones); and the
 * rest of the queue, for the batches after.
 */
export function nextBatch(queue: readonly RecordChange[]): { batch: RecordChange[]; rest: RecordChange[] } {
  if (queue.length < 2) return { batch: [...queue], rest: [] };
  const last = new Map<string, number>();
  const deleted = new Set<string>();
  const keys: string[] = [];
  let cut = queue.length;
  for (let i = 0; i < queue.length; i++) {
    const change = queue[i] as RecordChange;
    const key = keyOf(change);
    if (change.op === 'delete') deleted.add(key);
    else if (deleted.has(key)) {
      cut = i;
      break;
    }
    keys.push(key);
    last.set(key, i);
  }
  const rest = queue.slice(cut);
  if (last.size === cut) return { batch: queue.slice(0, cut), rest };
  return { batch: queue.slice(0, cut).filter((_, i) => last.get(keys[i] as string) === i), rest };
}

function keyOf(change: RecordChange): string {
  const table = change.op === 'set' ? change.record.table : change.table;
  const key = change.op === 'set' ? change.record.key : change.key;
  return `${table}:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`;
}
