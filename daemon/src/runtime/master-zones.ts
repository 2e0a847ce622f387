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
// than 0 of connections with a helper (only those have expectations) seen in events, of either
// direction, those of any connection in a dump of the table (its record keys: the original
// direction's), and those resolved below; each is probed in the table, and an expectation whose
// master is found under none keeps the kernel's 0. A master tuple held in zone 0 and in another
// zone at once (two connections) resolves to the other.
//
// A master held under 0 may still have a zone, of the reply direction alone. The kernel finds it
// under 0, but deletes and updates the expectation by the number of the master's zone whatever
// its direction (nf_ct_exp_zone_equal_any): checked here, an expectation of such a master in zone
// 5 was refused to a delete under 0 (ENOENT) and went under 5. Such an expectation keeps 0 to be
// created under and gets `masterReplyZone`, read from its master's record; its record key has
// that number, so the peer deletes it by it.
//
// A DESTROY is matched against the expectations held, since its master may be gone.
import type { FlowCache } from '../cache/flow-cache.js';
import type { ConntrackEntry, Expectation } from '../kernel/ct-entry.js';
import type { ConntrackEventView, KernelEvent, KernelEventSink, OverrunInfo } from '../kernel/kernel-roles.js';
import { conntrackKey, expectationKey } from '../kernel/record-key.js';
import { fromRecord } from '../kernel/record-mapping.js';
import { Table, type FlowRecord } from '../model/record.js';
import { KeyMap } from './key-map.js';
import { TouchedKeys } from './touched-keys.js';

/** The record a table holds with this key, if any. */
export type HeldRecord = (key: Uint8Array) => Pick<FlowRecord, 'table' | 'key' | 'payload'> | undefined;

/**
 * The number of the zone of the connection held with this key (the key's own zone, or when that
 * is 0 a zone of the reply direction alone); undefined when none is held.
 */
export type HeldZone = (key: Uint8Array) => number | undefined;

/** The number of the zone of the connection `record` holds, whatever its direction. */
export function zoneNumberOf(record: Pick<FlowRecord, 'table' | 'key' | 'payload'>): number {
  const keyZone = ((record.key[2] as number) << 8) | (record.key[3] as number);
  if (keyZone !== 0) return keyZone;
  const r = fromRecord(record);
  return r.ok && r.value.table === 'conntrack' ? (r.value.entry.reply.zone ?? 0) : 0;
}

function keyTail(key: Uint8Array): number {
  return ((key[key.length - 2] as number) << 8) | (key[key.length - 1] as number);
}

/** HeldZone over a table of conntrack records (an internal cache). */
export function heldZoneIn(cache: FlowCache): HeldZone {
  return (key) => {
    const held = cache.get(Table.conntrack, key);
    return held === undefined ? undefined : zoneNumberOf(held.record);
  };
}

export class MasterZones {
  private readonly zones = new Set<number>();

  /** A connection seen in an event: its zone is a candidate if it has a helper. */
  noteEntry(entry: ConntrackEntry): void {
    if (entry.helper === undefined) return;
    this.note(entry.orig.zone ?? entry.zone);
    this.note(entry.reply.zone ?? 0);
  }

  /** A conntrack record's key (from a dump): its zone is a candidate. */
  noteKey(key: Uint8Array): void {
    this.note(((key[2] as number) << 8) | (key[3] as number));
  }

  /** Zones other than 0 noted so far. */
  get size(): number {
    return this.zones.size;
  }

  /**
   * `x` with the zone its master is held under in `conntrack`, and with the master's zone of the
   * reply direction alone if it has one; `x` itself when that changes nothing.
   */
  withMasterZone(x: Expectation, conntrack: HeldZone): Expectation {
    for (const zone of this.zones) {
      if (conntrack(conntrackKey({ family: x.family, orig: x.master, zone })) !== undefined) return zone === x.zone ? x : { ...x, zone };
    }
    const replyZone = conntrack(conntrackKey({ family: x.family, orig: x.master, zone: 0 })) ?? 0;
    if (replyZone === 0) return x;
    this.note(replyZone);
    return { ...x, zone: 0, masterReplyZone: replyZone };
  }

  /**
   * `x` (a DESTROY's) with the zones of the expectation held in `expectations` under the same
   * tuple and mask and a zone noted (its key's zone is its master's number, see expectationKey);
   * `x` itself when none is found.
   */
  withHeldZone(x: Expectation, expectations: HeldRecord): Expectation {
    for (const zone of this.zones) {
      const held = expectations(expectationKey({ ...x, zone, masterReplyZone: undefined }));
      if (held === undefined) continue;
      const r = fromRecord(held);
      const h = r.ok && r.value.table === 'expectation' ? r.value.expectation : { zone, masterReplyZone: undefined };
      const { masterReplyZone: _dropped, ...rest } = x;
      return h.masterReplyZone === undefined ? { ...rest, zone: h.zone } : { ...rest, zone: h.zone, masterReplyZone: h.masterReplyZone };
    }
    return x;
  }

  /**
   * A dump's expectations, each with its master's zones (withMasterZone), the dump's connections
   * noted first (noteKey). A master is looked up among those connections, then in `held` (a table
   * of ours). Of the dump only the connections a lookup can ask about are indexed: those in a
   * zone of the original direction (only with zones in use) and those held under 0 whose tuple is
   * an expectation's master (its zone may be of the reply direction alone: read from the record).
   */
  resolveDumped(records: readonly FlowRecord[], expectations: readonly Expectation[], held: HeldZone = () => undefined): Expectation[] {
    for (const record of records) this.noteKey(record.key);
    if (expectations.length === 0) return [];
    const inDump = new KeyMap<number>();
    const masters = new TouchedKeys();
    // a key's last two bytes (the destination port, or the ICMP id) sort out most records before a hash
    const tails = new Set<number>();
    for (const x of expectations) {
      const key = conntrackKey({ family: x.family, orig: x.master, zone: 0 });
      masters.add(Table.conntrack, key);
      tails.add(keyTail(key));
    }
    const zonesInUse = this.zones.size > 0;
    for (const r of records) {
      if (r.key[2] !== 0 || r.key[3] !== 0) {
        if (zonesInUse) inDump.set(Table.conntrack, r.key, zoneNumberOf(r));
      } else if (tails.has(keyTail(r.key)) && masters.has(Table.conntrack, r.key)) inDump.set(Table.conntrack, r.key, zoneNumberOf(r));
    }
    const lookup: HeldZone = (key) => inDump.get(Table.conntrack, key) ?? held(key);
    return expectations.map((x) => this.withMasterZone(x, lookup));
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
  private readonly heldZone: HeldZone;

  constructor(
    private readonly inner: KernelEventSink,
    private readonly zones: MasterZones,
    private readonly internal: FlowCache,
  ) {
    this.heldZone = heldZoneIn(internal);
    // the fast path never carries a helper (the scanner leaves CTA_HELP to the decoder): passed through
    if (inner.conntrackView !== undefined) this.conntrackView = inner.conntrackView.bind(inner);
  }

  event(event: KernelEvent): void {
    if (event.table === 'conntrack') {
      this.zones.noteEntry(event.entry);
      this.inner.event(event);
      return;
    }
    if (event.type === 'destroy' && this.zones.size === 0) {
      this.inner.event(event);
      return;
    }
    const expectation = event.type === 'destroy'
      ? this.zones.withHeldZone(event.expectation, (key) => this.internal.get(Table.expectation, key)?.record)
      : this.zones.withMasterZone(event.expectation, this.heldZone);
    this.inner.event(expectation === event.expectation ? event : { ...event, expectation });
  }

  overrun(info: OverrunInfo): void {
    this.inner.overrun(info);
  }

  settled(): void {
    this.inner.settled();
  }
}
