// Kernel events → the sync node's own table: the KernelEventSink of half-syncd. NEW events become
// records; UPDATE events carry only what changed, so they are folded into the entry we hold
// (decoded from the internal cache) before becoming records; DESTROY events become deletes. The
// echoes of our own writes (commits, direct-mode injection, purges: their originPort is the
// writer's netlink port) are not our table's news and are skipped; whoever writes reconciles
// from a dump afterwards. An overrun (events lost) asks for a resync from a dump.
//
// Conntrack events the kernel layer could scan (nearly all) arrive as views of their attribute
// bytes (conntrackView): records are written straight from them (kernel/scan-record.ts), and an
// UPDATE is folded into the held record's bytes; only what the scanner leaves to the slow path
// is decoded to entries, with the same result.
//
// While a dump is read and reconciled (table-resync.ts), every key an event touches is
// remembered: the event is newer than what the dump may say about that key, so the resync keeps
// the event's view.
import type { CachedFlow, FlowCache } from '../cache/flow-cache.js';
import { decodeConntrackMessage, mergeEntry } from '../kernel/codec/ct-decode.js';
import type { CtScan } from '../kernel/codec/ct-scan.js';
import type { ConntrackEntry, ConntrackIdentity } from '../kernel/ct-entry.js';
import type { ConntrackEventView, KernelEvent, KernelEventSink, OverrunInfo } from '../kernel/kernel-roles.js';
import { conntrackKey, expectationKey } from '../kernel/record-key.js';
import { expectationToRecord, fromRecord, toRecord } from '../kernel/record-mapping.js';
import { mergedScanRecord, scanKey, scanRecord } from '../kernel/scan-record.js';
import type { FlowRecord, RecordChange } from '../model/record.js';
import { Table } from '../model/record.js';
import { TouchedKeys } from './touched-keys.js';

export { TouchedKeys, type TouchedKey } from './touched-keys.js';

export interface KernelFeedDeps {
  /** Where our table's changes go (SyncNode.localChange). */
  readonly localChange: (change: RecordChange) => void;
  /** Our table as the sync node holds it (the internal cache). */
  readonly internal: FlowCache;
  /** Netlink port of our kernel writer (its echoes are skipped); 0 when there is none. */
  readonly writerPort: () => number;
  readonly onOverrun: (info: OverrunInfo) => void;
  /** The events read so far are all in (KernelEventSink.settled): SyncNode.localChangesSettled. */
  readonly settled: () => void;
  /**
   * Reads a connection back from the kernel (EntryReadback.readBack); the whole entry then comes
   * back as a NEW event. Asked for when an UPDATE may have cleared every label (see below).
   */
  readonly readBack?: (key: ConntrackIdentity) => void;
  /**
   * Called once, at the first labelled connection an event shows: labels are in use on this node
   * (KernelWriter.labelsInUse), so that, a standby later, it clears the labels of its own
   * connections' copies that its peer's connections lost.
   */
  readonly labelsSeen?: () => void;
}

export interface KernelFeedCounters {
  /** Events turned into changes of our table. */
  applied: number;
  /** Echoes of our own writes, skipped. */
  ownEchoes: number;
  /** UPDATE events for entries we did not hold (taken as they came). */
  updatesWithoutPrevious: number;
  /** Entries that could not become records (e.g. an address family we cannot encode). */
  unencodable: number;
  overruns: number;
  /** Labelled connections read back because an UPDATE without labels may have cleared them. */
  labelReadbacks: number;
}

export class KernelFeed implements KernelEventSink {
  readonly counters: KernelFeedCounters = { applied: 0, ownEchoes: 0, updatesWithoutPrevious: 0, unencodable: 0, overruns: 0, labelReadbacks: 0 };
  private touched: TouchedKeys | undefined;
  private labelsSeen = false;

  constructor(private readonly deps: KernelFeedDeps) {}

  event(event: KernelEvent): void {
    if (this.isOwnEcho(event.originPort)) return;
    const change = this.changeOf(event);
    if (change !== undefined) this.apply(change);
  }

  conntrackView(view: ConntrackEventView): void {
    if (this.isOwnEcho(view.originPort)) return;
    let change: RecordChange;
    try {
      const s = view.scan;
      if (view.type === 'destroy') change = { op: 'delete', table: Table.conntrack, key: scanKey(s) };
      else change = { op: 'set', record: view.type === 'new' ? scanRecord(s) : this.mergedScan(s, view.originPort) };
    } catch {
      this.counters.unencodable++;
      return;
    }
    this.apply(change);
  }

  settled(): void {
    this.deps.settled();
  }

  overrun(info: OverrunInfo): void {
    this.counters.overruns++;
    this.deps.onOverrun(info);
  }

  /** Starts remembering the keys events touch (a dump is about to be read); the set grows live. */
  beginDump(): TouchedKeys {
    this.touched = new TouchedKeys();
    return this.touched;
  }

  /** Stops remembering. */
  endDump(): void {
    this.touched = undefined;
  }

  private isOwnEcho(originPort: number): boolean {
    const port = this.deps.writerPort();
    if (port === 0 || originPort !== port) return false;
    this.counters.ownEchoes++;
    return true;
  }

  private apply(change: RecordChange): void {
    if (this.touched !== undefined) {
      const key = change.op === 'set' ? change.record : change;
      this.touched.add(key.table, key.key);
    }
    this.counters.applied++;
    this.deps.localChange(change);
  }

  /** An UPDATE event's record: folded into the held record's bytes, or decoded and merged. */
  private mergedScan(s: CtScan, originPort: number): FlowRecord {
    const held = this.deps.internal.get(Table.conntrack, scanKey(s));
    if (held === undefined) {
      this.counters.updatesWithoutPrevious++;
      return scanRecord(s);
    }
    const fast = mergedScanRecord(s, held.record.payload);
    if (fast !== undefined) return fast;
    const update = decodeConntrackMessage(s.buf, s.messageStart, s.messageEnd);
    if (!update.ok) throw new Error(update.error);
    return this.mergedRecord(update.value, originPort, held);
  }

  private changeOf(event: KernelEvent): RecordChange | undefined {
    try {
      if (event.table === 'expectation') {
        if (event.type === 'destroy') return { op: 'delete', table: Table.expectation, key: expectationKey(event.expectation) };
        return { op: 'set', record: expectationToRecord(event.expectation) };
      }
      if (event.type === 'destroy') return { op: 'delete', table: Table.conntrack, key: conntrackKey(event.entry) };
      if (!this.labelsSeen && event.entry.labels !== undefined) {
        this.labelsSeen = true;
        this.deps.labelsSeen?.();
      }
      if (event.type === 'update') return { op: 'set', record: this.mergedRecord(event.entry, event.originPort, this.deps.internal.get(Table.conntrack, conntrackKey(event.entry))) };
      return { op: 'set', record: toRecord(event.entry) };
    } catch {
      this.counters.unencodable++;
      return undefined;
    }
  }

  /**
   * The record of an UPDATE folded into the entry held. An UPDATE reports labels only when they
   * changed and some remain, so one without labels for a labelled connection may be the clearing
   * of all of them. The connection is read back when such an update comes from a netlink request
   * (a tool's or a daemon's update, where clearing happens: nft and xt_connlabel only ever set
   * labels) or changes nothing else we replicate (why else would the kernel report it); the
   * read-back's whole entry then replaces the record made here, which keeps the labels.
   */
  private mergedRecord(update: ConntrackEntry, originPort: number, held: CachedFlow | undefined): FlowRecord {
    const previous = held === undefined ? undefined : fromRecord(held.record);
    if (held === undefined || previous === undefined || !previous.ok || previous.value.table !== 'conntrack') {
      this.counters.updatesWithoutPrevious++;
      return toRecord(update);
    }
    const before = previous.value.entry;
    const record = toRecord(mergeEntry(before, update));
    if (before.labels !== undefined && update.labels === undefined && this.deps.readBack !== undefined && (originPort !== 0 || record.stateHash === held.record.stateHash)) {
      this.counters.labelReadbacks++;
      this.deps.readBack(update);
    }
    return record;
  }
}
