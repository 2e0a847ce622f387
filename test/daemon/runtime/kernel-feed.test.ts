// Kernel events into our own table (daemon/src/runtime/kernel-feed.ts), pure logic over a real
// FlowCache: NEW events become records, partial UPDATE events are folded into the entry held
// (so protocol state, labels and helper survive them), DESTROY deletes, the writer's own echoes
// are skipped, overruns are passed on, and the keys events touch while a dump is read are kept.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { conntrackKey } from '../../../daemon/src/kernel/record-key.js';
import { CtScan } from '../../../daemon/src/kernel/codec/ct-scan.js';
import { fromRecord, PAYLOAD_HEADER, toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { Table, type RecordChange } from '../../../daemon/src/model/record.js';
import { KernelFeed } from '../../../daemon/src/runtime/kernel-feed.js';
import { SAMPLE_ENTRIES } from '../kernel/helpers/sample-entries.js';

const WRITER_PORT = 4242;
const tcp = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
const udp = SAMPLE_ENTRIES['udp'] as ConntrackEntry;

function harness() {
  const internal = new FlowCache();
  const readBacks: string[] = [];
  const changes: RecordChange[] = [];
  const overruns: number[] = [];
  const settled = { calls: 0 };
  const labelsSeen = { calls: 0 };
  const feed = new KernelFeed({
    settled: () => settled.calls++,
    localChange: (change) => {
      changes.push(change);
      if (change.op === 'set') internal.set(change.record, 1, 0);
      else internal.delete(change.table, change.key);
    },
    internal,
    writerPort: () => WRITER_PORT,
    onOverrun: (info) => overruns.push(info.overruns),
    readBack: (key) => readBacks.push(`${key.orig.src}:${key.orig.sport}`),
    labelsSeen: () => labelsSeen.calls++,
  });
  return { internal, changes, overruns, settled, feed, readBacks, labelsSeen };
}

const held = (internal: FlowCache, entry: ConntrackEntry): ConntrackEntry | undefined => {
  const flow = internal.get(Table.conntrack, conntrackKey(entry));
  const decoded = flow === undefined ? undefined : fromRecord(flow.record);
  return decoded?.ok === true && decoded.value.table === 'conntrack' ? decoded.value.entry : undefined;
};

describe('KernelFeed', () => {
  it('passes on that the reader has handed over all it read (the sync layer sends its batch then)', () => {
    const { feed, settled, changes } = harness();
    feed.event({ table: 'conntrack', type: 'new', entry: udp, originPort: 0 });
    expect(settled.calls).toBe(0);
    feed.settled();
    expect(settled.calls).toBe(1);
    expect(changes).toHaveLength(1);
  });

  it('folds partial updates into the entry held, so nothing the update left out is lost', () => {
    const { feed, internal, changes } = harness();
    feed.event({ table: 'conntrack', type: 'new', entry: tcp, originPort: 0 });
    const update: ConntrackEntry = { family: tcp.family, orig: tcp.orig, reply: tcp.reply, zone: tcp.zone, status: tcp.status, timeout: 100, mark: 7 };
    feed.event({ table: 'conntrack', type: 'update', entry: update, originPort: 0 });
    const entry = held(internal, tcp);
    expect(entry?.mark).toBe(7);
    expect(entry?.protoinfo).toEqual(tcp.protoinfo);
    expect(entry?.labels).toEqual(tcp.labels);
    expect(changes.map((c) => c.op)).toEqual(['set', 'set']);
    expect(feed.counters.updatesWithoutPrevious).toBe(0);
  });

  it('takes an update for an entry it does not hold as it comes, and counts it', () => {
    const { feed, internal } = harness();
    feed.event({ table: 'conntrack', type: 'update', entry: { ...udp, mark: 3 }, originPort: 0 });
    expect(held(internal, udp)?.mark).toBe(3);
    expect(feed.counters.updatesWithoutPrevious).toBe(1);
  });

  it('deletes on DESTROY, skips the writer\'s echoes, passes overruns on', () => {
    const { feed, internal, changes, overruns } = harness();
    feed.event({ table: 'conntrack', type: 'new', entry: udp, originPort: 0 });
    feed.event({ table: 'conntrack', type: 'new', entry: tcp, originPort: WRITER_PORT });
    expect(internal.size).toBe(1);
    feed.event({ table: 'conntrack', type: 'destroy', entry: udp, originPort: 0 });
    expect(internal.size).toBe(0);
    expect(changes.map((c) => c.op)).toEqual(['set', 'delete']);
    expect(feed.counters).toMatchObject({ applied: 2, ownEchoes: 1 });
    feed.overrun({ overruns: 1 });
    expect(overruns).toEqual([1]);
  });

  it('writes records straight from scanned events, equal to the decoded path', () => {
    const { feed, changes } = harness();
    const expected = toRecord(udp);
    const scan = new CtScan();
    expect(scan.attributes(Buffer.from(expected.payload), PAYLOAD_HEADER, expected.payload.length, 2)).toBe(true);
    feed.conntrackView({ type: 'new', originPort: 0, scan });
    const change = changes[0];
    if (change?.op !== 'set') throw new Error(`expected a set, got ${JSON.stringify(change)}`);
    expect(Buffer.from(change.record.key)).toEqual(Buffer.from(expected.key));
    expect(Buffer.from(change.record.payload)).toEqual(Buffer.from(expected.payload));
    expect(change.record.stateHash).toBe(expected.stateHash);
  });

  it('reads a labelled connection back when an update without labels may have cleared them', () => {
    const { feed, internal, readBacks } = harness();
    const labelled = tcp; // labels 0, 5, 127
    const update = (changes: Partial<ConntrackEntry>, originPort: number): void =>
      feed.event({ table: 'conntrack', type: 'update', entry: { family: tcp.family, orig: tcp.orig, reply: tcp.reply, zone: 0, status: tcp.status, timeout: 50, mark: tcp.mark, ...changes }, originPort });
    feed.event({ table: 'conntrack', type: 'new', entry: labelled, originPort: 0 });
    // a packet's update that changes the TCP state: labels unchanged, as the kernel reports them
    update({ protoinfo: { proto: 'tcp', state: 4 } }, 0);
    expect(readBacks).toEqual([]);
    expect(held(internal, tcp)?.labels).toEqual(tcp.labels);
    // an update that changes nothing we replicate: what else would it be
    update({}, 0);
    expect(readBacks).toEqual(['192.0.2.10:40000']);
    // a netlink request's update (another process's port), here of the mark: it may clear labels too
    update({ mark: 99 }, 5555);
    expect(readBacks).toHaveLength(2);
    expect(feed.counters.labelReadbacks).toBe(2);
    // the labels stay until the read-back's whole entry replaces them
    expect(held(internal, tcp)?.labels).toEqual(tcp.labels);
    const { labels: _gone, ...cleared } = { ...labelled, mark: 99 };
    feed.event({ table: 'conntrack', type: 'new', entry: cleared, originPort: 0 });
    expect(held(internal, tcp)?.labels).toBeUndefined();
    // no labels held: nothing to clear, nothing read back
    update({}, 5555);
    expect(readBacks).toHaveLength(2);
  });

  it('says once that labels are in use, at the first labelled connection an event shows', () => {
    const { feed, labelsSeen } = harness();
    feed.event({ table: 'conntrack', type: 'new', entry: udp, originPort: 0 });
    expect(labelsSeen.calls).toBe(0);
    feed.event({ table: 'conntrack', type: 'update', entry: tcp, originPort: 0 }); // labels 0, 5, 127
    expect(labelsSeen.calls).toBe(1);
    feed.event({ table: 'conntrack', type: 'new', entry: { ...tcp, orig: { ...tcp.orig, sport: 1 } }, originPort: 0 });
    expect(labelsSeen.calls).toBe(1);
  });

  it('remembers the keys events touch while a dump is read', () => {
    const { feed } = harness();
    feed.event({ table: 'conntrack', type: 'new', entry: tcp, originPort: 0 });
    const touched = feed.beginDump();
    feed.event({ table: 'conntrack', type: 'update', entry: { ...udp, mark: 9 }, originPort: 0 });
    feed.event({ table: 'conntrack', type: 'destroy', entry: tcp, originPort: 0 });
    feed.endDump();
    feed.event({ table: 'conntrack', type: 'new', entry: { ...udp, orig: { ...udp.orig, sport: 1 } }, originPort: 0 });
    expect(touched.size).toBe(2);
    expect(touched.has(Table.conntrack, conntrackKey(tcp))).toBe(true);
    expect(touched.has(Table.conntrack, conntrackKey(udp))).toBe(true);
    expect(touched.has(Table.conntrack, conntrackKey({ ...udp, orig: { ...udp.orig, sport: 1 } }))).toBe(false);
  });
});
