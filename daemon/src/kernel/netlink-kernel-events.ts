// KernelEvents over a raw NETLINK_NETFILTER socket joined to the conntrack (NEW, UPDATE,
// DESTROY) and expectation (NEW, DESTROY) multicast groups. By default the daemon's own thread
// reads the socket, which a keeper thread opened for it (direct-source.ts: the binding aborts the
// process whose event loop sees the socket overrun); where this Node cannot do that, the socket
// lives in an event pump process (datagram-source.ts).
// Every message is decoded into a result (never a throw), filtered, and handed to the sink; bad
// messages are counted. Sinks that take conntrack events as scans (KernelEventSink.conntrackView)
// get them without decoding: the scanner (codec/ct-scan.ts) reads them in place, and only what it
// leaves to the slow path is decoded. Echoes of the daemon's own writes (`dropOriginPorts`) are
// dropped before any of that, by the pump. An overrun (ENOBUFS: the kernel dropped events because
// the receive buffer was full, or the pump died) is counted and reported so the daemon resyncs
// from a dump.
import { CtScan } from './codec/ct-scan.js';
import { decodeEvent } from './codec/event-decode.js';
import { MessageCursor, NlmFlag } from './codec/netlink-message.js';
import { CtMsg, NfnlGroup, NfnlSubsys, operationOf, subsysOf } from './codec/nfnetlink.js';
import type { FlowFilter } from './flow-filter.js';
import type { ConntrackEventView, KernelEvent, KernelEvents, KernelEventSink, KernelEventStats } from './kernel-roles.js';
import { InProcessSource, PumpSource, type DatagramHandlers, type DatagramSource, type PumpCommand } from './datagram-source.js';
import { canWatchDatagrams } from './datagram-watch.js';
import { DirectSource } from './direct-source.js';
import { SocketKeeper } from './socket-keeper.js';
import { KernelError } from './errors.js';

export interface KernelEventsOptions {
  /** Conntrack event types to receive (default all three). */
  readonly conntrack?: readonly ('new' | 'update' | 'destroy')[];
  /** Receive expectation NEW and DESTROY events (default true). */
  readonly expectations?: boolean;
  /** Requested receive buffer in bytes (default 64 MiB, capped by the kernel at 2 x rmem_max). */
  readonly recvBufferSize?: number;
  readonly filter?: FlowFilter;
  /**
   * 'direct' (default): read by this thread, opened by a keeper thread (direct-source.ts); falls
   * back to 'pump' where this Node cannot watch the socket. 'pump': the socket lives in a child
   * process, so an overrun costs a restart of that process, not the daemon. 'none': the binding
   * in this thread; only where overruns cannot happen (an overrun aborts the process).
   */
  readonly isolation?: 'direct' | 'pump' | 'none';
  /** How to run the event pump (default: event-pump-main next to this module). */
  readonly pump?: PumpCommand;
  /** Netlink ports (the daemon's writer) whose echoes are dropped undecoded and only counted. */
  readonly dropOriginPorts?: readonly number[];
  /** Events waiting in user space (bytes) above which they are dropped as an overrun; default 512 MiB (tests lower it). */
  readonly maxBufferedBytes?: number;
}

const GROUPS = { new: NfnlGroup.conntrackNew, update: NfnlGroup.conntrackUpdate, destroy: NfnlGroup.conntrackDestroy } as const;

/**
 * Starts what a later subscription with `isolation` reads through, now: the event socket
 * keeper thread, whose file an upgrade may replace before the first subscription (a takeover) needs it
 * (helper-release.ts). The event pump is a process per subscription: it checks its release itself.
 */
export async function warmEventReader(isolation: KernelEventsOptions['isolation'] = 'direct'): Promise<void> {
  if (isolation === 'direct' && canWatchDatagrams()) await SocketKeeper.warm();
}

export class NetlinkKernelEvents implements KernelEvents {
  private source: DatagramSource | undefined;
  private sink: KernelEventSink | undefined;
  private counts = { datagrams: 0, events: 0, filtered: 0, undecodable: 0, overruns: 0, sinkErrors: 0, echoesDropped: 0 };
  private recvBufferSize = 0;
  private lastDecodeError: string | undefined;
  private readonly scan = new CtScan();
  private readonly view: { type: ConntrackEventView['type']; originPort: number; scan: CtScan } = { type: 'new', originPort: 0, scan: this.scan };
  private readonly dropPorts: ReadonlySet<number>;
  private readerKind: 'daemon' | 'pump' | 'in-process' | undefined;
  private fallbackReason: string | undefined;

  constructor(private readonly options: KernelEventsOptions = {}) {
    this.dropPorts = new Set((options.dropOriginPorts ?? []).filter((port) => port !== 0));
  }

  async start(sink: KernelEventSink): Promise<void> {
    if (this.source !== undefined) throw new KernelError('NetlinkKernelEvents.start called twice', { hint: 'create one NetlinkKernelEvents per subscription' });
    this.sink = sink;
    const groups: number[] = (this.options.conntrack ?? ['new', 'update', 'destroy']).map((t) => GROUPS[t]);
    if (this.options.expectations ?? true) groups.push(NfnlGroup.expNew, NfnlGroup.expDestroy);
    const sourceOptions = {
      groups,
      ...(this.options.recvBufferSize === undefined ? {} : { recvBufferSize: this.options.recvBufferSize }),
      ...(this.dropPorts.size === 0 ? {} : { dropPorts: [...this.dropPorts] }),
      ...(this.options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: this.options.maxBufferedBytes }),
    };
    const handlers: DatagramHandlers = {
      datagram: (buf) => this.onDatagram(buf),
      overrun: () => this.onOverrun(),
      dropped: (total) => (this.counts.echoesDropped = total),
      settled: () => this.onSettled(),
    };
    const isolation = this.options.isolation ?? 'direct';
    if (isolation === 'direct' && !canWatchDatagrams()) {
      this.fallbackReason = "this Node has no 'udp_wrap' binding, which reading the event socket in this process needs; using the event pump";
    } else if (isolation === 'direct') {
      const direct = new DirectSource(sourceOptions);
      this.source = direct;
      try {
        this.recvBufferSize = await direct.start(handlers);
        this.readerKind = 'daemon';
        return;
      } catch (error) {
        direct.close();
        this.fallbackReason = `reading the event socket in this process failed (${(error as Error).message}); using the event pump`;
      }
    }
    this.source = isolation === 'none' ? new InProcessSource(sourceOptions) : new PumpSource(sourceOptions, this.options.pump);
    this.readerKind = isolation === 'none' ? 'in-process' : 'pump';
    this.recvBufferSize = await this.source.start(handlers);
  }

  stats(): KernelEventStats {
    const droppedByKernel = this.source?.droppedByKernel?.();
    return {
      ...this.counts,
      ...(droppedByKernel === undefined ? {} : { droppedByKernel }),
      socketErrors: 0,
      recvBufferSize: this.recvBufferSize,
      lastError: this.lastDecodeError ?? this.source?.lastError,
      reader: this.readerKind,
      fallback: this.fallbackReason,
      ...(this.source?.drains === undefined ? {} : { drains: this.source.drains }),
    };
  }

  close(): void {
    this.source?.close();
  }

  private onSettled(): void {
    try {
      this.sink?.settled();
    } catch {
      this.counts.sinkErrors++;
    }
  }

  private onDatagram(buf: Buffer): void {
    try {
      this.decodeDatagram(buf);
    } catch (error) {
      this.counts.undecodable++;
      this.lastDecodeError = error instanceof Error ? error.message : String(error);
    }
  }

  private decodeDatagram(buf: Buffer): void {
    this.counts.datagrams++;
    const c = new MessageCursor(buf);
    const fast = this.sink?.conntrackView !== undefined;
    while (c.next()) {
      if (this.dropPorts.size > 0 && this.dropPorts.has(c.pid)) {
        this.counts.echoesDropped++;
        continue;
      }
      if (fast && this.scanned(c)) continue;
      const decoded = decodeEvent(c);
      if (!decoded.ok) {
        this.counts.undecodable++;
        this.lastDecodeError = decoded.error;
        continue;
      }
      let event = decoded.value;
      if (event === undefined) continue;
      if (!this.accepts(event)) {
        this.counts.filtered++;
        // a connection in a TCP state not chosen leaves the replicated table (flow-filter.ts)
        if (event.table !== 'conntrack' || this.options.filter?.leavesByState(event.entry) !== true) continue;
        if (event.type !== 'destroy') event = { ...event, type: 'destroy' };
      } else {
        this.counts.events++;
      }
      try {
        this.sink?.event(event);
      } catch {
        this.counts.sinkErrors++;
      }
    }
    if (c.error !== undefined) {
      this.counts.undecodable++;
      this.lastDecodeError = c.error;
    }
  }

  /** The fast path: true when the message was a conntrack event the scanner read (and was handled). */
  private scanned(c: MessageCursor): boolean {
    if (subsysOf(c.type) !== NfnlSubsys.ctnetlink) return false;
    const operation = operationOf(c.type);
    if (operation !== CtMsg.new && operation !== CtMsg.delete) return false;
    if (!this.scan.message(c.buf, c.payload, c.end)) return false;
    let leaves = false;
    if (this.options.filter !== undefined && !this.options.filter.acceptsScan(this.scan)) {
      this.counts.filtered++;
      // a connection in a TCP state not chosen leaves the replicated table (flow-filter.ts)
      if (!this.options.filter.scanLeavesByState(this.scan)) return true;
      leaves = true;
    }
    if (!leaves) this.counts.events++;
    this.view.type = operation === CtMsg.delete || leaves ? 'destroy' : (c.flags & NlmFlag.create) !== 0 ? 'new' : 'update';
    this.view.originPort = c.pid;
    try {
      this.sink?.conntrackView?.(this.view);
    } catch {
      this.counts.sinkErrors++;
    }
    return true;
  }

  private accepts(event: KernelEvent): boolean {
    const filter = this.options.filter;
    if (filter === undefined) return true;
    return event.table === 'conntrack' ? filter.acceptsEntry(event.entry) : filter.acceptsExpectation(event.expectation);
  }

  private onOverrun(): void {
    this.counts.overruns++;
    try {
      const droppedByKernel = this.source?.droppedByKernel?.();
      this.sink?.overrun({ overruns: this.counts.overruns, ...(droppedByKernel === undefined ? {} : { droppedByKernel }) });
    } catch {
      this.counts.sinkErrors++;
    }
  }
}
