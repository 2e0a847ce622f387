// Sequence adjustments of NAT helpers, brought to the peers by re-reading the connection.
//
// A NAT helper that rewrites a payload (FTP: the address in PORT/EPRT commands and PASV answers)
// shifts the TCP sequence numbers of one direction, and the kernel records the shift on the
// connection (nf_ct_seqadj_set, net/netfilter/nf_conntrack_seqadj.c) without any conntrack event:
// an UPDATE event carries CTA_SEQ_ADJ_* only for IPCT_SEQADJ, which a change made over netlink
// raises, never a helper (nf_conntrack_netlink.c, ctnetlink_conntrack_event). A replica built from
// events therefore lacks the shift, and after a takeover the first command on the connection
// arrives short by the bytes the helper added (conntrackd has the same gap). The packet that gets
// rewritten also makes the helper create an expectation, whose NEW event does arrive: on each one
// caused by a packet, this sink reads the master connection back from the kernel (one ctnetlink
// GET, which reports the adjustments) and passes it on as an update of that connection.
// Everything else goes through unchanged. Reads are batched per turn of the event loop, one per
// master, and never throw into the event path (failures are counted and logged).
import { decodeConntrackMessage } from '../kernel/codec/ct-decode.js';
import type { ConntrackEntry, Expectation } from '../kernel/ct-entry.js';
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { ConntrackEventView, KernelEntryReader, KernelEvent, KernelEventSink, OverrunInfo } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';

type MasterKey = Pick<ConntrackEntry, 'family' | 'orig' | 'zone'>;

export interface SeqAdjRefreshCounters {
  /** Masters read back and passed on. */
  refreshed: number;
  /** Masters gone by the time they were read. */
  gone: number;
  /** Reads the kernel refused or that failed. */
  failed: number;
}

export class SeqAdjRefresh implements KernelEventSink {
  readonly counters: SeqAdjRefreshCounters = { refreshed: 0, gone: 0, failed: 0 };
  private readonly pending = new Map<string, MasterKey>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly inner: KernelEventSink,
    private readonly reader: KernelEntryReader,
    private readonly filter: FlowFilter,
    private readonly logger: Logger,
    /** Runs the batch later (default setImmediate: after the events of this datagram). */
    private readonly defer: (run: () => void) => void = (run) => void setImmediate(run),
  ) {}

  event(event: KernelEvent): void {
    this.inner.event(event);
    if (event.table === 'expectation' && event.type === 'new' && event.originPort === 0) this.schedule(event.expectation);
  }

  /** Conntrack events on the fast path go through as they are (decoded only for a sink without it). */
  conntrackView(view: ConntrackEventView): void {
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

  /** Resolves once every read asked for so far has been passed on (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private schedule(x: Expectation): void {
    const key: MasterKey = { family: x.family, orig: x.master, zone: x.zone };
    this.pending.set(`${x.family} ${x.zone} ${JSON.stringify(x.master)}`, key);
    if (this.running !== undefined) return;
    this.running = new Promise((resolve) => this.defer(() => void this.drain().finally(resolve)));
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

  private async refresh(key: MasterKey): Promise<void> {
    let entry: ConntrackEntry | undefined;
    try {
      entry = await this.reader.getConntrack(key);
    } catch (error) {
      this.counters.failed++;
      this.logger.warn('cannot read back a helper connection for its sequence adjustment', { error: (error as Error).message });
      return;
    }
    if (entry === undefined) {
      this.counters.gone++;
      return;
    }
    if (!this.filter.acceptsEntry(entry)) return;
    this.counters.refreshed++;
    this.inner.event({ table: 'conntrack', type: 'update', entry, originPort: 0 });
  }
}
