// Connections read back from the kernel where their events cannot tell what changed.
//
// Two cases, both answered by one ctnetlink GET, which reports the whole entry as a dump does
// (ctnetlink_fill_info), so what it brings replaces what our table holds:
//
// - Sequence adjustments of NAT helpers. A helper that rewrites a payload (FTP: the address in
//   PORT/EPRT commands and PASV answers) shifts the TCP sequence numbers of one direction, and the
//   kernel records the shift on the connection (nf_ct_seqadj_set, nf_conntrack_seqadj.c) without
//   any conntrack event: an UPDATE event carries CTA_SEQ_ADJ_* only for IPCT_SEQADJ, which a change
//   made over netlink raises, never a helper (nf_conntrack_netlink.c, ctnetlink_conntrack_event).
//   A replica built from events would lack the shift, and after a takeover the first command on
//   the connection would arrive short by the bytes the helper added (conntrackd has the same gap).
//   The packet that gets rewritten also makes the helper create an expectation, whose NEW event
//   does arrive: on each one caused by a packet, the master connection is read back.
// - Labels cleared. The kernel reports CTA_LABELS only when some label is set
//   (ctnetlink_dump_labels), and an UPDATE event carries them only when they changed: an event
//   without labels may mean "unchanged" or "all cleared". The feed (kernel-feed.ts) asks for a
//   read-back of a labelled connection when such an event could be the clearing (`readBack`).
//
// Every event goes through unchanged. Reads are batched per turn of the event loop, one per
// connection, and never throw into the event path (failures are counted and logged). A read's
// answer is the entry as it was when the GET was sent, and it comes on another socket than the
// events: a DESTROY of that connection handled while the read is out means the answer is stale,
// and it is dropped (counted gone) rather than setting the connection again.
import { sameKey } from '../cache/key-hash.js';
import { decodeConntrackMessage } from '../kernel/codec/ct-decode.js';
import type { ConntrackEntry, ConntrackIdentity } from '../kernel/ct-entry.js';
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { ConntrackEventView, KernelEntryReader, KernelEvent, KernelEventSink, OverrunInfo } from '../kernel/kernel-roles.js';
import { conntrackKey } from '../kernel/record-key.js';
import { scanKey } from '../kernel/scan-record.js';
import type { Logger } from '../metrics/logger.js';

export interface EntryReadbackCounters {
  /** Connections read back and passed on. */
  refreshed: number;
  /** Connections gone by the time they were read. */
  gone: number;
  /** Reads the kernel refused or that failed. */
  failed: number;
}

export class EntryReadback implements KernelEventSink {
  readonly counters: EntryReadbackCounters = { refreshed: 0, gone: 0, failed: 0 };
  private readonly pending = new Map<string, ConntrackIdentity>();
  private running: Promise<void> | undefined;
  /** The read out now (one at a time), and whether a DESTROY of its connection came meanwhile. */
  private reading: { readonly key: Uint8Array; destroyed: boolean } | undefined;

  constructor(
    private readonly inner: KernelEventSink,
    private readonly reader: KernelEntryReader,
    private readonly filter: FlowFilter,
    private readonly logger: Logger,
    /** Runs the batch later (default setImmediate: after the events of this datagram). */
    private readonly defer: (run: () => void) => void = (run) => void setImmediate(run),
  ) {}

  event(event: KernelEvent): void {
    if (this.reading !== undefined && event.table === 'conntrack' && event.type === 'destroy') this.noteDestroyed(conntrackKey(event.entry));
    this.inner.event(event);
    if (event.table === 'expectation' && event.type === 'new' && event.originPort === 0) {
      const x = event.expectation;
      this.readBack({ family: x.family, orig: x.master, zone: x.zone });
    }
  }

  /** Conntrack events on the fast path go through as they are (decoded only for a sink without it). */
  conntrackView(view: ConntrackEventView): void {
    if (this.reading !== undefined && view.type === 'destroy') this.noteDestroyed(scanKey(view.scan));
    if (this.inner.conntrackView !== undefined) {
      this.inner.conntrackView(view);
      return;
    }
    const s = view.scan;
    const entry = decodeConntrackMessage(s.buf, s.messageStart, s.messageEnd);
    if (entry.ok) this.inner.event({ table: 'conntrack', type: view.type, entry: entry.value, originPort: view.originPort });
  }

  overrun(info: OverrunInfo): void {
    this.inner.overrun(info);
  }

  settled(): void {
    this.inner.settled();
  }

  /** Reads the connection with `key`'s original tuple and zone back, once this turn's events are in. */
  readBack(key: ConntrackIdentity): void {
    this.pending.set(`${key.family} ${key.zone} ${JSON.stringify(key.orig)}`, key);
    if (this.running !== undefined) return;
    this.running = new Promise((resolve) => this.defer(() => void this.drain().finally(resolve)));
  }

  /** Resolves once every read asked for so far has been passed on (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const keys = [...this.pending.values()];
        this.pending.clear();
        for (const key of keys) await this.refresh(key);
      }
    } finally {
      this.running = undefined;
    }
  }

  private noteDestroyed(key: Uint8Array): void {
    if (this.reading !== undefined && sameKey(key, this.reading.key)) this.reading.destroyed = true;
  }

  private async refresh(key: ConntrackIdentity): Promise<void> {
    let entry: ConntrackEntry | undefined;
    const reading = { key: conntrackKey(key), destroyed: false };
    this.reading = reading;
    try {
      entry = await this.reader.getConntrack(key);
    } catch (error) {
      this.counters.failed++;
      this.logger.warn('cannot read a connection back from the kernel', { error: (error as Error).message });
      return;
    } finally {
      this.reading = undefined;
    }
    if (entry === undefined || reading.destroyed) {
      this.counters.gone++;
      return;
    }
    try {
      if (!this.filter.acceptsEntry(entry)) {
        // in a TCP state not chosen: the connection leaves the replicated table (flow-filter.ts)
        if (this.filter.leavesByState(entry)) this.inner.event({ table: 'conntrack', type: 'destroy', entry, originPort: 0 });
        return;
      }
      this.counters.refreshed++;
      // the whole entry, as the kernel holds it now: it replaces what is held (type 'new'), so
      // what it lacks (labels cleared) is gone from the copy too
      this.inner.event({ table: 'conntrack', type: 'new', entry, originPort: 0 });
    } catch (error) {
      // the sinks behind do not throw; should one, the other reads still go on (drain runs unawaited)
      this.counters.failed++;
      this.logger.error('a connection read back from the kernel could not be handled', { error: (error as Error).message });
    }
  }
}
