// Expectations get their master's zone (daemon/src/runtime/master-zones.ts), its logic over a
// real FlowCache; the kernel's side (it reports expectations without their zone, and finds the
// master by it) is in test/daemon/kernel/expectations-zone.test.ts.
import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../daemon/src/cache/flow-cache.js';
import type { ConntrackEntry, Expectation } from '../../../daemon/src/kernel/ct-entry.js';
import type { KernelEvent, KernelEventSink } from '../../../daemon/src/kernel/kernel-roles.js';
import { conntrackKey, expectationKey } from '../../../daemon/src/kernel/record-key.js';
import { expectationToRecord, toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { MasterZones, MasterZoneSink, zoneNumberOf } from '../../../daemon/src/runtime/master-zones.js';
import { Table } from '../../../daemon/src/model/record.js';
import { SAMPLE_EXPECTATION } from '../kernel/helpers/sample-entries.js';

const x = SAMPLE_EXPECTATION;
/** The control connection SAMPLE_EXPECTATION belongs to, with a helper and the given zones. */
function master(zone: number, dir?: 'orig' | 'reply'): ConntrackEntry {
  return {
    family: 'ipv4',
    orig: { ...x.master, ...(dir === 'orig' ? { zone } : {}) },
    reply: { src: x.master.dst, dst: x.master.src, proto: 6, sport: 21, dport: x.master.sport as number, ...(dir === 'reply' ? { zone } : {}) },
    status: 14,
    timeout: 300,
    mark: 0,
    zone: dir === undefined ? zone : 0,
    helper: 'ftp',
    protoinfo: { proto: 'tcp', state: 3 },
  };
}

class Recorder implements KernelEventSink {
  readonly events: KernelEvent[] = [];
  event(e: KernelEvent): void {
    this.events.push(e);
  }
  overrun(): void {}
  settled(): void {}
}

function sinkWith(entries: ConntrackEntry[]) {
  const internal = new FlowCache();
  const zones = new MasterZones();
  const inner = new Recorder();
  const sink = new MasterZoneSink(inner, zones, internal);
  for (const entry of entries) {
    sink.event({ table: 'conntrack', type: 'new', entry, originPort: 0 });
    internal.set(toRecord(entry), 1, 0);
  }
  return { internal, zones, inner, sink };
}

const zoneOf = (e: KernelEvent | undefined) => (e?.table === 'expectation' ? e.expectation.zone : undefined);

describe('MasterZoneSink', () => {
  it('gives an expectation the zone of a master in a zone of both directions, or of the original one', () => {
    for (const entry of [master(5), master(5, 'orig')]) {
      const { inner, sink } = sinkWith([entry]);
      sink.event({ table: 'expectation', type: 'new', expectation: x, originPort: 0 });
      expect(zoneOf(inner.events.at(-1))).toBe(5);
    }
  });

  it('leaves 0 where the master is held under 0 without a zone, or is not held', () => {
    for (const entries of [[master(0)], [], [{ ...master(5), helper: undefined } as ConntrackEntry]]) {
      const { inner, sink } = sinkWith(entries);
      const event: KernelEvent = { table: 'expectation', type: 'new', expectation: x, originPort: 0 };
      sink.event(event);
      expect(zoneOf(inner.events.at(-1))).toBe(0);
      expect(inner.events.at(-1)).toBe(event);
    }
  });

  it("keeps 0 for a master in a zone of the reply direction alone, and gives the expectation that zone's number to be keyed and deleted by", () => {
    const { internal, inner, sink } = sinkWith([master(5, 'reply')]);
    sink.event({ table: 'expectation', type: 'new', expectation: x, originPort: 0 });
    const resolved = inner.events.at(-1);
    expect(resolved?.table === 'expectation' ? resolved.expectation : undefined).toEqual({ ...x, zone: 0, masterReplyZone: 5 });
    // held under that number; a DESTROY (the kernel's, without a zone) finds it once the master is gone
    const held = expectationToRecord({ ...x, masterReplyZone: 5 });
    internal.set(held, 1, 0);
    internal.delete(Table.conntrack, conntrackKey(master(5, 'reply')));
    sink.event({ table: 'expectation', type: 'destroy', expectation: x, originPort: 0 });
    const destroyed = inner.events.at(-1);
    const got = destroyed?.table === 'expectation' ? destroyed.expectation : undefined;
    expect(got).toEqual({ ...x, zone: 0, masterReplyZone: 5 });
    expect(Buffer.from(expectationKey(got as Expectation))).toEqual(Buffer.from(held.key));
  });

  it('takes only zones of connections with a helper from events, and finds the master among several', () => {
    const other = { ...master(9), orig: { ...x.master, sport: 1 }, helper: undefined } as ConntrackEntry;
    const { zones, inner, sink } = sinkWith([other, master(3), master(5)]);
    expect(zones.size).toBe(2);
    // both masters hold the tuple (two connections in zones 3 and 5): the first noted wins
    sink.event({ table: 'expectation', type: 'new', expectation: x, originPort: 0 });
    expect(zoneOf(inner.events.at(-1))).toBe(3);
  });

  it('matches a DESTROY to the expectation held, even once its master is gone', () => {
    const { internal, inner, sink } = sinkWith([master(5)]);
    internal.set(expectationToRecord({ ...x, zone: 5 }), 1, 0);
    internal.delete(toRecord(master(5)).table, conntrackKey(master(5)));
    sink.event({ table: 'expectation', type: 'destroy', expectation: x, originPort: 0 });
    expect(zoneOf(inner.events.at(-1))).toBe(5);
  });

  it('passes the fast path through to the inner sink, and only if it has one', () => {
    const { sink } = sinkWith([]);
    expect(sink.conntrackView).toBeUndefined();
    const seen: unknown[] = [];
    const withView = new MasterZoneSink({ ...new Recorder(), event: () => undefined, overrun: () => undefined, settled: () => undefined, conntrackView: (v) => seen.push(v) }, new MasterZones(), new FlowCache());
    const view = { type: 'new' as const, originPort: 0, scan: undefined as never };
    withView.conntrackView?.(view);
    expect(seen).toEqual([view]);
  });
});

describe('MasterZones', () => {
  it('notes zones from record keys, never 0', () => {
    const zones = new MasterZones();
    zones.noteKey(conntrackKey(master(0)));
    expect(zones.size).toBe(0);
    zones.noteKey(conntrackKey(master(7, 'orig')));
    zones.noteKey(conntrackKey(master(7)));
    expect(zones.size).toBe(1);
    const held = toRecord(master(7));
    const found = zones.withMasterZone(x as Expectation, (key) => (Buffer.from(key).equals(Buffer.from(held.key)) ? zoneNumberOf(held) : undefined));
    expect(found.zone).toBe(7);
    expect({ ...found, zone: 0 }).toEqual(x);
  });

  it("reads a connection's zone number from its record, whatever the zone's direction", () => {
    expect([master(0), master(4), master(5, 'orig'), master(6, 'reply')].map((e) => zoneNumberOf(toRecord(e)))).toEqual([0, 4, 5, 6]);
  });
});
