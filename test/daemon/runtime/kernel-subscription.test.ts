// The event subscription's life (daemon/src/runtime/kernel-subscription.ts), with in-memory
// KernelEvents (the real pump and socket are in test/daemon/integration/): held only while active,
// closed during bulk writes and reopened after them with a re-read of the table, never dropped
// when alwaysOn; counters of every subscription added up.
import { describe, expect, it, vi } from 'vitest';
import type { KernelEvents, KernelEventSink, KernelEventStats } from '../../../daemon/src/kernel/kernel-roles.js';
import { silentLogger } from '../../../daemon/src/metrics/logger.js';
import { KernelSubscription, RETRY_MS } from '../../../daemon/src/runtime/kernel-subscription.js';

class MemoryEvents implements KernelEvents {
  open = true;
  constructor(
    private readonly events: number,
    private readonly reader = 'daemon',
    private readonly fallback: string | undefined = undefined,
    private readonly lastError: string | undefined = undefined,
    /** The kernel's drop count of the (shared) event socket, as this subscription reads it. */
    readonly dropped: () => number | undefined = () => undefined,
  ) {}
  async start(_sink: KernelEventSink): Promise<void> {}
  stats(): KernelEventStats {
    const droppedByKernel = this.dropped();
    return { datagrams: this.events, events: this.events, filtered: 0, undecodable: 0, overruns: 0, sinkErrors: 0, socketErrors: 0, recvBufferSize: 4096, ...(droppedByKernel === undefined ? {} : { droppedByKernel }), lastError: this.lastError, reader: this.reader, fallback: this.fallback };
  }
  close(): void {
    this.open = false;
  }
}

function setup(alwaysOn = false, dropped: () => number | undefined = () => undefined) {
  const opened: MemoryEvents[] = [];
  const rereads: string[] = [];
  const sink: KernelEventSink = { event: () => undefined, overrun: () => undefined, settled: () => undefined };
  const subscription = new KernelSubscription(() => {
    const events = new MemoryEvents(10, 'daemon', undefined, undefined, dropped);
    opened.push(events);
    return events;
  }, sink, async (reason) => rereads.push(reason), silentLogger, alwaysOn);
  const live = () => opened.filter((e) => e.open).length;
  return { opened, rereads, subscription, live };
}

describe('KernelSubscription', () => {
  it("reports the event socket's kernel drop count as it stands, not summed over subscriptions (the socket outlives them)", async () => {
    let kernel: number | undefined;
    const { subscription } = setup(false, () => kernel);
    expect(subscription.stats().droppedByKernel).toBeUndefined();
    await subscription.activate();
    kernel = 0;
    expect(subscription.stats().droppedByKernel).toBe(0);
    kernel = 700;
    await subscription.quietly('commit', async () => {
      // closed meanwhile: the count read when it closed
      kernel = 900;
      expect(subscription.stats().droppedByKernel).toBe(700);
    });
    expect(subscription.stats().droppedByKernel).toBe(900);
    subscription.deactivate();
    expect(subscription.stats().droppedByKernel).toBe(900);
  });

  it('subscribes while active, pauses around bulk writes and re-reads after them', async () => {
    const { opened, rereads, subscription, live } = setup();
    await subscription.quietly('commit', async () => undefined);
    expect(opened.length).toBe(0);
    await subscription.activate();
    expect(live()).toBe(1);
    const during = await subscription.quietly('commit', async () => {
      const inner = await subscription.quietly('purge', async () => live());
      return [live(), inner];
    });
    expect(during).toEqual([0, 0]);
    expect(live()).toBe(1);
    expect(opened.length).toBe(2);
    expect(rereads).toEqual(['commit']);
    expect(subscription.counters).toEqual({ subscriptions: 2, pauses: 1, retries: 0 });
    subscription.deactivate();
    expect(live()).toBe(0);
    expect(subscription.stats().events).toBe(20);
  });

  it('says who reads the events, warns once with the reason of a fallback, and remembers both while unsubscribed', async () => {
    const logged: [string, string, Record<string, unknown> | undefined][] = [];
    const logger = { ...silentLogger, info: (m: string, f?: Record<string, unknown>) => void logged.push(['info', m, f]), warn: (m: string, f?: Record<string, unknown>) => void logged.push(['warn', m, f]) };
    const readers = [new MemoryEvents(1, 'daemon', undefined, 'a message 3 bytes short'), new MemoryEvents(1, 'pump', 'the keeper thread failed'), new MemoryEvents(1, 'pump', 'the keeper thread failed')];
    const subscription = new KernelSubscription(() => readers.shift() as MemoryEvents, { event: () => undefined, overrun: () => undefined, settled: () => undefined }, async () => undefined, logger);
    expect(subscription.stats()).toMatchObject({ subscribed: false, reader: undefined });
    await subscription.activate();
    expect(subscription.stats()).toMatchObject({ subscribed: true, reader: 'daemon', fallback: undefined, lastError: 'a message 3 bytes short' });
    await subscription.quietly('commit', async () => undefined); // the next subscription falls back
    subscription.deactivate();
    // the first subscription's error outlives it: the second had none
    expect(subscription.stats()).toMatchObject({ subscribed: false, reader: 'pump', fallback: 'the keeper thread failed', lastError: 'a message 3 bytes short' });
    await subscription.activate(); // the same fallback again: not logged again
    expect(logged).toEqual([
      ['info', 'conntrack events read', { by: 'daemon' }],
      ['warn', 'conntrack events read', { by: 'pump', why: 'the keeper thread failed' }],
    ]);
    subscription.close();
  });

  // The events of our own writes are echoes, dropped by the writer's port (reader and feed): a
  // merge's or a purge's writes reached our table only through a re-read, which alwaysOn skipped.
  it('never pauses nor drops the subscription when alwaysOn, and re-reads the table after bulk writes all the same', async () => {
    const { opened, rereads, subscription, live } = setup(true);
    expect(await subscription.quietly('commit', async () => live())).toBe(0);
    expect(rereads).toEqual([]); // not wanted yet: nothing to re-read for
    await subscription.activate();
    expect(await subscription.quietly('merge', async () => live())).toBe(1);
    await expect(subscription.quietly('purge', async () => Promise.reject(new Error('EPERM')))).rejects.toThrow('EPERM');
    subscription.deactivate();
    expect(live()).toBe(1);
    expect(opened.length).toBe(1);
    expect(rereads).toEqual(['merge', 'purge']);
    subscription.close();
    expect(live()).toBe(0);
  });

  it('runs a bulk write that comes while the subscription is failing to start, and tries the subscription again after it', async () => {
    vi.useFakeTimers();
    try {
      let failures = 1;
      const rereads: string[] = [];
      const sink: KernelEventSink = { event: () => undefined, overrun: () => undefined, settled: () => undefined };
      const subscription = new KernelSubscription(() => {
        const events = new MemoryEvents(0);
        if (failures-- > 0) events.start = () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('EPERM: cannot open a NETLINK_NETFILTER socket')), 20));
        return events;
      }, sink, async (reason) => void rereads.push(reason), silentLogger);
      const activating = subscription.activate().catch((error: Error) => error.message);
      let ran = false;
      const commit = subscription.quietly('commit', async () => {
        ran = true;
        return 'committed';
      });
      await vi.advanceTimersByTimeAsync(20);
      expect(await activating).toMatch(/EPERM/);
      expect(await commit).toBe('committed');
      expect(ran).toBe(true);
      // the write reopened it, and read the table again
      expect(subscription.counters.subscriptions).toBe(1);
      expect(rereads).toEqual(['commit']);
      subscription.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('tries a failed subscription again while it is wanted, and re-reads the table once it has it', async () => {
    vi.useFakeTimers();
    try {
      let failures = 2;
      const rereads: string[] = [];
      const sink: KernelEventSink = { event: () => undefined, overrun: () => undefined, settled: () => undefined };
      const subscription = new KernelSubscription(() => {
        const events = new MemoryEvents(0);
        if (failures-- > 0) events.start = async () => Promise.reject(new Error('ENOBUFS: no buffer space'));
        return events;
      }, sink, async (reason) => void rereads.push(reason), silentLogger);
      await expect(subscription.activate()).rejects.toThrow('ENOBUFS');
      expect(subscription.counters.subscriptions).toBe(0);
      await vi.advanceTimersByTimeAsync(RETRY_MS); // the second attempt fails too: the wait doubles
      expect(subscription.counters).toMatchObject({ subscriptions: 0, retries: 1 });
      await vi.advanceTimersByTimeAsync(2 * RETRY_MS);
      expect(subscription.counters).toMatchObject({ subscriptions: 1, retries: 2 });
      expect(rereads).toEqual(['resubscribed']);
      // nothing more once it holds the subscription, nor once it is no longer wanted
      await vi.advanceTimersByTimeAsync(10 * RETRY_MS);
      expect(subscription.counters.retries).toBe(2);
      subscription.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops trying once the subscription is no longer wanted', async () => {
    vi.useFakeTimers();
    try {
      const sink: KernelEventSink = { event: () => undefined, overrun: () => undefined, settled: () => undefined };
      const subscription = new KernelSubscription(() => {
        const events = new MemoryEvents(0);
        events.start = async () => Promise.reject(new Error('ENOBUFS'));
        return events;
      }, sink, async () => undefined, silentLogger);
      await expect(subscription.activate()).rejects.toThrow('ENOBUFS');
      subscription.deactivate();
      await vi.advanceTimersByTimeAsync(10 * RETRY_MS);
      expect(subscription.counters.retries).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
