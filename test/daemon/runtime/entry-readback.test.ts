// EntryReadback: every event passes through; an expectation created by a packet makes its master
// connection be read back (once per master per batch) and passed on whole, as a NEW event that
// replaces what is held, carrying the sequence adjustments; so does a connection the feed asks
// for (readBack: labels that may have been cleared); expectations from our own writes, unknown
// or filtered masters and failed reads pass nothing on. Pure logic with a scripted reader (the GET itself is tested against the
// kernel in test/daemon/kernel/netlink-kernel-dumper.test.ts, the whole path end to end in
// test/e2e/failover/half-failover.test.ts).
import { describe, expect, it } from 'vitest';
import type { ConntrackEntry, Expectation } from '../../../daemon/src/kernel/ct-entry.js';
import { acceptAllFlows, buildFlowFilter } from '../../../daemon/src/kernel/flow-filter.js';
import type { KernelEntryReader, KernelEvent, KernelEventSink } from '../../../daemon/src/kernel/kernel-roles.js';
import { silentLogger } from '../../../daemon/src/metrics/logger.js';
import { EntryReadback } from '../../../daemon/src/runtime/entry-readback.js';

const MASTER: ConntrackEntry = {
  family: 'ipv4',
  orig: { src: '192.0.2.128', dst: '198.51.100.128', proto: 6, sport: 40000, dport: 21 },
  reply: { src: '198.51.100.128', dst: '198.51.100.254', proto: 6, sport: 21, dport: 40000 },
  status: 0x21de,
  timeout: 300,
  zone: 0,
  helper: 'ftp',
  seqAdjOrig: { correctionPos: 1000, offsetBefore: 0, offsetAfter: 3 },
  seqAdjReply: { correctionPos: 0, offsetBefore: 0, offsetAfter: 0 },
};

const expectation = (master: ConntrackEntry['orig'], dataPort: number): Expectation => ({
  family: 'ipv4',
  master,
  tuple: { src: '198.51.100.128', dst: '198.51.100.254', proto: 6, sport: 0, dport: dataPort },
  mask: { src: '255.255.255.255', dst: '255.255.255.255', proto: 6, sport: 0, dport: 0xffff },
  zone: 0,
  flags: 0,
  class: 0,
  helper: 'ftp',
});

class Recorder implements KernelEventSink {
  readonly events: KernelEvent[] = [];
  overruns = 0;
  settles = 0;
  event(e: KernelEvent): void {
    this.events.push(e);
  }
  overrun(): void {
    this.overruns++;
  }
  settled(): void {
    this.settles++;
  }
}

class Reader implements KernelEntryReader {
  readonly asked: string[] = [];
  constructor(private readonly answer: (key: Pick<ConntrackEntry, 'orig'>) => ConntrackEntry | undefined | Error) {}
  async getConntrack(key: Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>): Promise<ConntrackEntry | undefined> {
    this.asked.push(`${key.orig.src}:${key.orig.sport}`);
    const a = this.answer(key);
    if (a instanceof Error) throw a;
    return a;
  }
}

/** A refresh whose deferred batches run when `flush()` is called. */
function setup(answer: (key: Pick<ConntrackEntry, 'orig'>) => ConntrackEntry | undefined | Error, filter = acceptAllFlows) {
  const sink = new Recorder();
  const reader = new Reader(answer);
  const queued: (() => void)[] = [];
  const refresh = new EntryReadback(sink, reader, filter, silentLogger, (run) => queued.push(run));
  const flush = async (): Promise<void> => {
    for (const run of queued.splice(0)) run();
    await refresh.idle();
  };
  return { sink, reader, refresh, flush };
}

describe('EntryReadback', () => {
  it('passes every event on, and reads the master of a packet-made expectation back once per batch', async () => {
    const { sink, reader, refresh, flush } = setup(() => MASTER);
    const update: KernelEvent = { table: 'conntrack', type: 'update', entry: { ...MASTER, seqAdjOrig: undefined, seqAdjReply: undefined }, originPort: 0 };
    refresh.event(update);
    refresh.event({ table: 'expectation', type: 'new', expectation: expectation(MASTER.orig, 50000), originPort: 0 });
    refresh.event({ table: 'expectation', type: 'new', expectation: expectation(MASTER.orig, 50001), originPort: 0 });
    refresh.overrun({ overruns: 1 });
    refresh.settled();
    expect(sink.events).toHaveLength(3);
    expect(sink.settles).toBe(1);
    expect(sink.overruns).toBe(1);
    expect(reader.asked).toEqual([]); // deferred: the packet's processing has ended by then
    await flush();
    expect(reader.asked).toEqual(['192.0.2.128:40000']);
    const last = sink.events.at(-1);
    expect(last).toEqual({ table: 'conntrack', type: 'new', entry: MASTER, originPort: 0 });
    expect(refresh.counters).toEqual({ refreshed: 1, gone: 0, failed: 0 });
  });

  it('reads back a connection it is asked for, once per batch, and passes it on whole', async () => {
    const cleared: ConntrackEntry = { ...MASTER, helper: undefined, seqAdjOrig: undefined, seqAdjReply: undefined };
    const { sink, reader, refresh, flush } = setup(() => cleared);
    refresh.readBack({ family: 'ipv4', orig: MASTER.orig, zone: 0 });
    refresh.readBack({ family: 'ipv4', orig: MASTER.orig, zone: 0 });
    expect(reader.asked).toEqual([]);
    await flush();
    expect(reader.asked).toEqual(['192.0.2.128:40000']);
    expect(sink.events).toEqual([{ table: 'conntrack', type: 'new', entry: cleared, originPort: 0 }]);
  });

  it('reads nothing for expectations our own writes made, nor for destroyed ones', async () => {
    const { sink, reader, refresh, flush } = setup(() => MASTER);
    refresh.event({ table: 'expectation', type: 'new', expectation: expectation(MASTER.orig, 50000), originPort: 4242 });
    refresh.event({ table: 'expectation', type: 'destroy', expectation: expectation(MASTER.orig, 50000), originPort: 0 });
    await flush();
    expect(reader.asked).toEqual([]);
    expect(sink.events).toHaveLength(2);
  });

  it('counts masters gone and failed reads, and passes nothing on for them or for filtered masters', async () => {
    const other = { ...MASTER.orig, sport: 40001 };
    const ignored = { ...MASTER.orig, src: '192.0.2.1', sport: 40002 };
    const { sink, refresh, flush } = setup(
      (key) => (key.orig.sport === 40000 ? undefined : key.orig.sport === 40001 ? new Error('errno 16') : { ...MASTER, orig: ignored }),
      buildFlowFilter({ ignoreAddresses: ['192.0.2.1'] }),
    );
    for (const master of [MASTER.orig, other, ignored]) refresh.event({ table: 'expectation', type: 'new', expectation: expectation(master, 50000), originPort: 0 });
    await flush();
    expect(sink.events.map((e) => e.table)).toEqual(['expectation', 'expectation', 'expectation']);
    expect(refresh.counters).toEqual({ refreshed: 0, gone: 1, failed: 1 });
  });

  it('drops a read\'s answer when the connection was destroyed while the read was out', async () => {
    let answer: ((entry: ConntrackEntry) => void) | undefined;
    const sink = new Recorder();
    const reader: KernelEntryReader = { getConntrack: () => new Promise((resolve) => (answer = resolve)) };
    const refresh = new EntryReadback(sink, reader, acceptAllFlows, silentLogger, (run) => run());
    refresh.readBack({ family: 'ipv4', orig: MASTER.orig, zone: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    // the kernel answered as the GET was sent; the connection's DESTROY is handled first
    refresh.event({ table: 'conntrack', type: 'destroy', entry: { ...MASTER, orig: { ...MASTER.orig, sport: 40001 } }, originPort: 0 }); // another flow
    refresh.event({ table: 'conntrack', type: 'destroy', entry: MASTER, originPort: 0 });
    answer?.(MASTER);
    await refresh.idle();
    expect(sink.events.map((e) => e.type)).toEqual(['destroy', 'destroy']);
    expect(refresh.counters).toEqual({ refreshed: 0, gone: 1, failed: 0 });
  });

  it('goes on with the other reads when the sink behind throws on one, counting it failed', async () => {
    const other = { ...MASTER.orig, sport: 40001 };
    const { sink, refresh, flush } = setup((key) => ({ ...MASTER, orig: key.orig }));
    let thrown = 0;
    sink.event = function (e: KernelEvent): void {
      if (e.table === 'conntrack' && e.entry.orig.sport === 40000 && thrown++ === 0) throw new Error('a sink that breaks its word');
      this.events.push(e);
    };
    refresh.readBack({ family: 'ipv4', orig: MASTER.orig, zone: 0 });
    refresh.readBack({ family: 'ipv4', orig: other, zone: 0 });
    await flush();
    expect(sink.events.map((e) => (e.table === 'conntrack' ? e.entry.orig.sport : 0))).toEqual([40001]);
    expect(refresh.counters).toEqual({ refreshed: 2, gone: 0, failed: 1 });
  });

  it('reads a master again when a later expectation arrives during a read', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sink = new Recorder();
    const asked: number[] = [];
    const reader: KernelEntryReader = {
      async getConntrack(key) {
        asked.push(key.orig.sport ?? 0);
        if (asked.length === 1) await gate;
        return { ...MASTER, orig: key.orig };
      },
    };
    const refresh = new EntryReadback(sink, reader, acceptAllFlows, silentLogger, (run) => run());
    refresh.event({ table: 'expectation', type: 'new', expectation: expectation(MASTER.orig, 50000), originPort: 0 });
    refresh.event({ table: 'expectation', type: 'new', expectation: expectation({ ...MASTER.orig, sport: 40009 }, 50000), originPort: 0 });
    await Promise.resolve();
    refresh.event({ table: 'expectation', type: 'new', expectation: expectation(MASTER.orig, 50001), originPort: 0 });
    release();
    await refresh.idle();
    expect(asked).toEqual([40000, 40009, 40000]);
    expect(refresh.counters.refreshed).toBe(3);
  });
});
