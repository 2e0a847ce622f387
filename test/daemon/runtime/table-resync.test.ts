// Re-reading our table (daemon/src/runtime/table-resync.ts), its logic with an in-memory dumper
// (the real kernel path is in test/daemon/integration/): requests coalesce into one more dump,
// a request with `since` joins a dump that started after that time, and events that arrive while
// a dump is read win over what the dump says.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { ConntrackEntry, Expectation } from '../../../daemon/src/kernel/ct-entry.js';
import { acceptAllFlows } from '../../../daemon/src/kernel/flow-filter.js';
import type { DumpResult, KernelDumper } from '../../../daemon/src/kernel/kernel-roles.js';
import { silentLogger } from '../../../daemon/src/metrics/logger.js';
import { Table, type FlowRecord, type RecordChange } from '../../../daemon/src/model/record.js';
import { conntrackKey } from '../../../daemon/src/kernel/record-key.js';
import { fromRecord, toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { FakeClock } from '../../../daemon/src/sync/fake-clock.js';
import { KernelFeed } from '../../../daemon/src/runtime/kernel-feed.js';
import { MasterZones } from '../../../daemon/src/runtime/master-zones.js';
import { TableResync } from '../../../daemon/src/runtime/table-resync.js';
import { SAMPLE_ENTRIES, SAMPLE_EXPECTATION } from '../kernel/helpers/sample-entries.js';

const udp = SAMPLE_ENTRIES['udp'] as ConntrackEntry;
const tcp = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;

/** A dumper whose dumps resolve (or fail, `failNext`) when the test says so. */
class HeldDumper implements KernelDumper {
  table: ConntrackEntry[] = [];
  expectations: Expectation[] = [];
  dumps = 0;
  inFlight = 0;
  /** The most dumps out at once. */
  mostInFlight = 0;
  failNext = false;
  private release: (() => void)[] = [];
  async dumpConntrack(): Promise<DumpResult<ConntrackEntry>> {
    this.dumps++;
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    const snapshot = [...this.table];
    const fail = this.failNext;
    this.failNext = false;
    try {
      await new Promise<void>((resolve) => this.release.push(resolve));
    } finally {
      this.inFlight--;
    }
    if (fail) throw new Error('dump failed (ENOBUFS)');
    return { entries: snapshot, filtered: 0, undecodable: 0, errors: [], interrupted: false };
  }
  async dumpConntrackRecords(): Promise<DumpResult<FlowRecord>> {
    const dump = await this.dumpConntrack();
    return { ...dump, entries: dump.entries.map(toRecord) };
  }
  async dumpExpectations() {
    return { entries: [...this.expectations], filtered: 0, undecodable: 0, errors: [], interrupted: false };
  }
  async countLabelled(): Promise<number> {
    return this.table.filter((e) => e.labels !== undefined).length;
  }
  releaseAll(): void {
    for (const r of this.release.splice(0)) r();
  }
  close(): void {}
}

function setup() {
  const clock = new FakeClock();
  const internal = new FlowCache();
  const reconciled: FlowRecord[][] = [];
  const dumper = new HeldDumper();
  const feedChange = (c: RecordChange) => (c.op === 'set' ? internal.set(c.record, 1, 0) : internal.delete(c.table, c.key));
  const feed = new KernelFeed({
    localChange: feedChange,
    internal,
    writerPort: () => 0,
    onOverrun: () => undefined,
    settled: () => undefined,
  });
  const resync = new TableResync({
    dumper, filter: acceptAllFlows, feed, internal, zones: new MasterZones(), clock, logger: silentLogger,
    localChange: (c) => {
      if (c.op === 'set') reconciled.push([c.record]);
      feedChange(c);
    },
    inFlight: () => 0,
    maxInFlight: 64,
  });
  return { clock, internal, reconciled, dumper, feed, resync };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TableResync', () => {
  it('coalesces requests made during a dump into one more dump', async () => {
    const { dumper, resync } = setup();
    const first = resync.request('a');
    const second = resync.request('b');
    const third = resync.request('c');
    expect(second).toBe(third);
    await tick();
    dumper.releaseAll();
    await first;
    await tick();
    expect(dumper.dumps).toBe(2);
    dumper.releaseAll();
    await second;
    expect(dumper.dumps).toBe(2);
  });

  it('calls back once after the next read that succeeds, not after one that fails', async () => {
    const { dumper, resync } = setup();
    const calls: number[] = [];
    resync.afterNextRead(() => calls.push(1));
    dumper.failNext = true;
    const failed = resync.request('a');
    await tick();
    dumper.releaseAll();
    await expect(failed).rejects.toThrow('ENOBUFS');
    expect(calls).toEqual([]);
    const ok = resync.request('b');
    await tick();
    dumper.releaseAll();
    await ok;
    expect(calls).toEqual([1]);
    const again = resync.request('c');
    await tick();
    dumper.releaseAll();
    await again;
    expect(calls).toEqual([1]);
  });

  it('is busy while a dump runs or one more waits (FrozenCopyUpkeep waits for it)', async () => {
    const { dumper, resync } = setup();
    expect(resync.busy).toBe(false);
    const first = resync.request('a');
    const second = resync.request('b');
    expect(resync.busy).toBe(true);
    await tick();
    dumper.releaseAll();
    await first;
    expect(resync.busy, 'the one waiting').toBe(true);
    await tick();
    dumper.releaseAll();
    await second;
    await tick();
    expect(resync.busy).toBe(false);
  });

  // The run that ends clears itself a step before the queued run starts: a request from a caller
  // resuming on the ended run (a second `half resync kernel`, a failed failover dump healing) came
  // in between and started a run beside the queued one. Both shared the feed's one record of keys
  // touched during a dump, and a connection destroyed meanwhile came back.
  it('joins the queued run when asked after one ended and before the queued one began', async () => {
    const { dumper, feed, internal, resync } = setup();
    dumper.table = [tcp];
    const first = resync.request('a');
    let third: Promise<unknown> | undefined;
    void first.then(() => (third = resync.request('c')));
    const second = resync.request('overrun');
    await tick();
    dumper.releaseAll();
    await first;
    await tick();
    expect(third).toBe(second);
    // the connection ends while the queued dump is out (its snapshot still has it)
    dumper.table = [];
    feed.event({ table: 'conntrack', type: 'destroy', entry: tcp, originPort: 0 });
    dumper.releaseAll();
    await second;
    expect(dumper.mostInFlight).toBe(1);
    expect(dumper.dumps).toBe(2);
    expect(internal.has(Table.conntrack, conntrackKey(tcp))).toBe(false);
  });

  it('runs one dump at a time when a failed failover dump heals while an overrun queued a run', async () => {
    const { dumper, resync } = setup();
    dumper.failNext = true;
    // the failover executor's way (resyncOwnTable): await the dump, heal when it failed
    const failover = resync.request('failover', 0).catch(() => resync.heal('failover'));
    await tick();
    resync.heal('overrun');
    await tick();
    dumper.releaseAll();
    await failover;
    await tick();
    await tick();
    dumper.releaseAll();
    await tick();
    dumper.releaseAll();
    expect(dumper.mostInFlight).toBe(1);
    expect(dumper.dumps).toBe(2);
  });

  it('lets a request with `since` join a dump that started after that time', async () => {
    const { clock, dumper, resync } = setup();
    clock.advance(10);
    const running = resync.request('after commit');
    expect(resync.request('failover', 5)).toBe(running);
    await tick();
    dumper.releaseAll();
    const outcome = await running;
    expect(await resync.request('failover', 10)).toBe(outcome);
    const fresh = resync.request('failover', 11);
    await tick();
    dumper.releaseAll();
    await fresh;
    expect(dumper.dumps).toBe(2);
  });

  it('keeps what events said during the dump over the dump', async () => {
    const { dumper, feed, resync, reconciled, internal } = setup();
    dumper.table = [udp, tcp];
    const done = resync.request('overrun');
    await tick();
    feed.event({ table: 'conntrack', type: 'destroy', entry: tcp, originPort: 0 });
    feed.event({ table: 'conntrack', type: 'new', entry: { ...udp, mark: 99 }, originPort: 0 });
    dumper.releaseAll();
    const outcome = await done;
    expect(outcome).toMatchObject({ entries: 2, added: 0, changed: 0, removed: 0 });
    expect(reconciled.length).toBe(0);
    const held = [...internal.values()].map((f) => fromRecord(f.record)).map((d) => (d.ok && d.value.table === 'conntrack' ? d.value.entry : undefined));
    expect(held.map((e) => [e?.orig.sport, e?.mark])).toEqual([[udp.orig.sport, 99]]);
  });

  it("gives each expectation its master's zone, from the dump (the kernel reports none)", async () => {
    const { dumper, resync, internal } = setup();
    const x = SAMPLE_EXPECTATION;
    const master = (zone: number, sport: number, replyZone?: number): ConntrackEntry => ({
      ...tcp, orig: { ...x.master, sport }, reply: { ...tcp.reply, src: x.master.dst, dst: x.master.src, sport: 21, dport: sport, ...(replyZone === undefined ? {} : { zone: replyZone }) }, zone, helper: 'ftp',
    });
    const of = (sport: number, dport: number): Expectation => ({ ...x, master: { ...x.master, sport }, tuple: { ...x.tuple, dport } });
    // masters in zone 5, in no zone and in zone 6 of the reply direction; an expectation of each,
    // and one whose master is not there
    dumper.table = [master(5, 40999), master(0, 41000), master(0, 41001, 6)];
    dumper.expectations = [x, of(41000, 50011), of(42000, 50012), of(41001, 50013)];
    const done = resync.request('start');
    await tick();
    dumper.releaseAll();
    await done;
    const held = [...internal.values()].map((f) => fromRecord(f.record)).flatMap((d) => (d.ok && d.value.table === 'expectation' ? [d.value.expectation] : []));
    expect(held.map((e) => [e.tuple.dport, e.zone, e.masterReplyZone]).sort()).toEqual([[50010, 5, undefined], [50011, 0, undefined], [50012, 0, undefined], [50013, 0, 6]]);
  });

  it("reads a master's zone of the reply direction from the dump when no zone is in use otherwise", async () => {
    const { dumper, resync, internal } = setup();
    const x = SAMPLE_EXPECTATION;
    const replyZoned: ConntrackEntry = { ...tcp, orig: x.master, reply: { ...tcp.reply, src: x.master.dst, dst: x.master.src, sport: 21, dport: x.master.sport as number, zone: 4 }, zone: 0, helper: 'ftp' };
    dumper.table = [replyZoned];
    dumper.expectations = [x];
    const done = resync.request('start');
    await tick();
    dumper.releaseAll();
    await done;
    const held = [...internal.values()].map((f) => fromRecord(f.record)).flatMap((d) => (d.ok && d.value.table === 'expectation' ? [d.value.expectation] : []));
    expect(held.map((e) => [e.zone, e.masterReplyZone])).toEqual([[0, 4]]);
  });
});
