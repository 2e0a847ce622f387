// The conntrack event subscription of the daemon: held only while this node is the sender, and
// paused while the daemon writes in bulk.
// - A receiver does not stream its table, and a takeover always re-reads the table from a dump
//   before the node becomes the sender (failover plans: resync-own-table, then become-sender), so
//   a standby needs no events at all. Without them it spends no CPU on its own table, nor on the
//   echoes of what direct mode writes into its kernel.
// - A commit of N entries makes the kernel send N events back (the writer's own echoes): decoding
//   them only to skip them costs more than the commit itself, competes with it for the event loop
//   and overruns the event socket. So bulk writes on a sender run with the subscription closed;
//   it is opened again afterwards and the table re-read from a dump (subscribe first, then dump:
//   nothing that happened meanwhile is lost). Pauses nest; the last one to end resumes.
// Both need net.netfilter.nf_conntrack_events = 1 (HALF's sysctl.d sets it): with 2 ("auto")
// the kernel attaches event state only to entries created while someone listens, and an entry
// created during a pause would never report its end. With any value but 1 the subscription is
// therefore always on (`alwaysOn`): never paused, held by receivers too.
// Counters of every subscription are added up.
import { readFile } from 'node:fs/promises';
import { failureFields } from './failure-fields.js';
import type { KernelEvents, KernelEventSink, KernelEventStats } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';

const COUNTERS = ['datagrams', 'events', 'filtered', 'undecodable', 'overruns', 'sinkErrors', 'socketErrors', 'echoesDropped'] as const;

/** First wait before a failed subscription is tried again, and the longest one (it doubles). */
export const RETRY_MS = 1000;
export const RETRY_MAX_MS = 30_000;

export class KernelSubscription {
  readonly counters = { subscriptions: 0, pauses: 0, retries: 0 };
  private retry: NodeJS.Timeout | undefined;
  private current: KernelEvents | undefined;
  private starting: Promise<void> | undefined;
  private wanted = false;
  private readonly past: Record<(typeof COUNTERS)[number], number> = { datagrams: 0, events: 0, filtered: 0, undecodable: 0, overruns: 0, sinkErrors: 0, socketErrors: 0, echoesDropped: 0 };
  private lastBuffer = 0;
  /** The kernel's drop count of the event socket when the last subscription closed (the socket outlives subscriptions: not summed). */
  private lastDropped: number | undefined;
  private last: Pick<KernelEventStats, 'lastError' | 'reader' | 'fallback'> = { lastError: undefined };
  private paused = 0;

  constructor(
    private readonly open: () => KernelEvents,
    private readonly sink: KernelEventSink,
    /** Re-reads our table after a pause (the events it missed). */
    private readonly afterPause: (reason: string) => Promise<unknown>,
    private readonly logger: Logger,
    /** Never pause or drop the subscription (nf_conntrack_events is not 1). */
    readonly alwaysOn = false,
  ) {}

  /** Whether events are followed (or about to be, after a pause). */
  get active(): boolean {
    return this.wanted;
  }

  /** Whether the kernel delivers events to a subscription now. */
  get subscribed(): boolean {
    return this.current !== undefined;
  }

  /**
   * Subscribes (if not yet); resolves once the kernel delivers events. When the subscription
   * cannot be had, it rejects, and the subscription is tried again (every RETRY_MS, up to
   * RETRY_MAX_MS apart) for as long as it is wanted, each success followed by a re-read of the
   * table (what happened meanwhile).
   */
  async activate(): Promise<void> {
    this.wanted = true;
    if (this.paused > 0) return;
    try {
      await this.ensureOpen();
    } catch (error) {
      this.retryLater(RETRY_MS);
      throw error;
    }
  }

  /** Unsubscribes: this node is no longer the sender (kept when alwaysOn). */
  deactivate(): void {
    if (this.alwaysOn) return;
    this.wanted = false;
    this.closeCurrent();
  }

  /**
   * Runs `work` with the subscription closed; reopens it and re-reads the table afterwards. When
   * alwaysOn, the subscription stays, and the table is re-read all the same: the events of our
   * own writes are echoes, dropped by the writer's port, so what a merge or a purge wrote would
   * otherwise never reach our table.
   */
  async quietly<T>(reason: string, work: () => Promise<T>): Promise<T> {
    if (this.alwaysOn) {
      try {
        return await work();
      } finally {
        if (this.wanted) this.afterPause(reason).catch(() => undefined);
      }
    }
    // a start that fails leaves nothing to close (and is tried again): the work goes on
    await this.starting?.catch(() => undefined);
    if (this.paused++ === 0 && this.current !== undefined) {
      this.counters.pauses++;
      this.closeCurrent();
    }
    try {
      return await work();
    } finally {
      if (--this.paused === 0 && this.wanted && this.current === undefined) {
        try {
          await this.ensureOpen();
          this.afterPause(reason).catch(() => undefined);
        } catch (error) {
          this.logger.error('cannot subscribe to conntrack events again; trying again', failureFields(error));
          this.retryLater(RETRY_MS);
        }
      }
    }
  }

  stats(): KernelEventStats {
    const now = this.current?.stats();
    const sum = { ...this.past };
    if (now !== undefined) for (const key of COUNTERS) sum[key] += now[key] ?? 0;
    const latest = now ?? this.last;
    // an error outlives its subscription until a newer one (subscriptions come and go around commits)
    const droppedByKernel = now?.droppedByKernel ?? this.lastDropped;
    return {
      ...sum,
      recvBufferSize: now?.recvBufferSize ?? this.lastBuffer,
      ...(droppedByKernel === undefined ? {} : { droppedByKernel }),
      lastError: now?.lastError ?? this.last.lastError,
      reader: latest.reader,
      fallback: latest.fallback,
      subscribed: now !== undefined,
    };
  }

  close(): void {
    this.wanted = false;
    this.closeCurrent();
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
  }

  private retryLater(delayMs: number): void {
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.wanted || this.paused > 0 || this.current !== undefined) return;
      this.counters.retries++;
      this.ensureOpen().then(
        () => {
          this.logger.info('subscribed to conntrack events again: re-reading the table');
          this.afterPause('resubscribed').catch(() => undefined);
        },
        (error: Error) => {
          this.logger.error('cannot subscribe to conntrack events; trying again', { ...failureFields(error), inMs: Math.min(2 * delayMs, RETRY_MAX_MS) });
          this.retryLater(Math.min(2 * delayMs, RETRY_MAX_MS));
        },
      );
    }, delayMs);
    this.retry.unref();
  }

  private ensureOpen(): Promise<void> {
    if (this.current !== undefined) return Promise.resolve();
    this.starting ??= (async () => {
      const events = this.open();
      try {
        await events.start(this.sink);
      } catch (error) {
        events.close();
        throw error;
      } finally {
        this.starting = undefined;
      }
      this.counters.subscriptions++;
      const { reader, fallback } = events.stats();
      if (reader !== undefined && (reader !== this.last.reader || fallback !== this.last.fallback)) {
        // a reader that was not asked for says why (kernel/netlink-kernel-events.ts)
        if (fallback === undefined) this.logger.info('conntrack events read', { by: reader });
        else this.logger.warn('conntrack events read', { by: reader, why: fallback });
      }
      this.last = { ...this.last, reader, fallback };
      if (this.wanted && this.paused === 0) this.current = events;
      else {
        this.current = events;
        this.closeCurrent();
      }
    })();
    return this.starting;
  }

  private closeCurrent(): void {
    const events = this.current;
    if (events === undefined) return;
    const stats = events.stats();
    for (const key of COUNTERS) this.past[key] += stats[key] ?? 0;
    this.lastBuffer = stats.recvBufferSize;
    this.lastDropped = stats.droppedByKernel ?? this.lastDropped;
    this.last = { lastError: stats.lastError ?? this.last.lastError, reader: stats.reader, fallback: stats.fallback };
    events.close();
    this.current = undefined;
  }
}

/** net.netfilter.nf_conntrack_events of this network namespace; undefined when unreadable. */
export async function conntrackEventsSetting(): Promise<number | undefined> {
  try {
    const value = Number((await readFile('/proc/sys/net/netfilter/nf_conntrack_events', 'utf8')).trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
