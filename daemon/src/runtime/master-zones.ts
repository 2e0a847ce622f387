// Expectations get the zone of their master connection.
//
// The kernel never reports an expectation's zone: ctnetlink_exp_dump_expect (dumps and events,
// nf_conntrack_netlink.c) writes the tuple, mask, master tuple, NAT, timeout, id, flags, class,
// helper and function, and no CTA_EXPECT_ZONE; the master tuple comes without CTA_TUPLE_ZONE. Yet
// the kernel finds the master by it: creating an expectation (ctnetlink_create_expect) and
// reading its master back look the master up by its original tuple under CTA_EXPECT_ZONE /
// CTA_ZONE, which matches a connection whose original direction has that zone. Checked here: an
// FTP control connection in zone 5 (`ct zone set 5`, or `ct original zone set 5`) made an
// expectation that dumped with no zone, and recreating it on a second firewall without one
// failed with ENOENT. (With a zone of the reply direction alone the original direction's zone is
// the default one, and zone 0 finds the master.)
//
// So the sender gives each expectation the zone its master's record is held under: the record
// key's zone, which is the original direction's (record-key.ts). Candidates are the zones other
// than 0 seen on connections with a helper (only those have expectations) in events, and on any
// connection in a dump of the table; each is probed in the table, and an expectation whose master
// is found under none keeps the kernel's 0. Without zones in use nothing is probed at all. A
// master tuple held in zone 0 and in another zone at once (two connections) resolves to the other.
// A DESTROY is matched the same way against the expectations held, since its master may be gone.
import type { FlowCache } from '../cache/flow-cache.js';
import type { ConntrackEntry, Expectation } from '../kernel/ct-entry.js';
import type { ConntrackEventView, KernelEvent, KernelEventSink, OverrunInfo } from '../kernel/kernel-roles.js';
import { conntrackKey, expectationKey } from '../kernel/record-key.js';
import { Table } from '../model/record.js';

/** Whether a table holds a record with this key. */
export type HoldsKey = (key: Uint8Array) => boolean;

export class MasterZones {
  private readonly zones = new Set<number>();

  /** A connection seen in an event: its zone is a candidate if it has a helper. */
  noteEntry(entry: ConntrackEntry): void {
    if (entry.helper !== undefined) this.note(entry.orig.zone ?? entry.zone);
  }

  /** A conntrack record's key (from a dump): its zone is a candidate. */
  noteKey(key: Uint8Array): void {
    this.note(((key[2] as number) << 8) | (key[3] as number));
  }

  /** Zones other than 0 noted so far. */
  get size(): number {
    return this.zones.size;
  }

  /** `x` with the zone its master is held under in `conntrack`; `x` itself when none is found. */
  withMasterZone(x: Expectation, conntrack: HoldsKey): Expectation {
    for (const zone of this.zones) {
      if (conntrack(conntrackKey({ family: x.family, orig: x.master, zone }))) return zone === x.zone ? x : { ...x, zone };
    }
    return x;
  }

  /** `x` with the zone it is held under in `expectations` (a DESTROY's); `x` itself when none is found. */
  withHeldZone(x: Expectation, expectations: HoldsKey): Expectation {
    for (const zone of this.zones) {
      if (expectations(expectationKey({ ...x, zone }))) return zone === x.zone ? x : { ...x, zone };
    }
    return x;
  }

  private note(zone: number): void {
    if (zone !== 0) this.zones.add(zone);
  }
}

/**
 * The event sink in front of the daemon's others: notes the zones of connections with a helper
 * and gives expectation events their master's zone, as held in our table (the internal cache).
 */
export class MasterZoneSink implements KernelEventSink {
  readonly conntrackView?: (view: ConntrackEventView) => void;

  constructor(
    private readonly inner: KernelEventSink,
    private readonly zones: MasterZones,
    private readonly internal: FlowCache,
  ) {
    // the fast path never carries a helper (the scanner leaves CTA_HELP to the decoder): passed through
    if (inner.conntrackView !== undefined) this.conntrackView = inner.conntrackView.bind(inner);
  }

  event(event: KernelEvent): void {
    if (event.table === 'conntrack') {
      this.zones.noteEntry(event.entry);
      this.inner.event(event);
      return;
    }
    if (this.zones.size === 0) {
      this.inner.event(event);
      return;
    }
    const expectation = event.type === 'destroy'
      ? this.zones.withHeldZone(event.expectation, (key) => this.internal.get(Table.expectation, key) !== undefined)
      : this.zones.withMasterZone(event.expectation, (key) => this.internal.get(Table.conntrack, key) !== undefined);
    this.inner.event(expectation === event.expectation ? event : { ...event, expectation });
  }

  overrun(info: OverrunInfo): void {
    this.inner.overrun(info);
  }

  settled(): void {
    this.inner.settled();
  }
}
