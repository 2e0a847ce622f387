// The kernel layer's roles (STYLE.md rule 4): what the daemon needs from conntrack, named for
// the job. Implementations over a raw NETLINK_NETFILTER socket live next door
// (netlink-kernel-events.ts, netlink-kernel-dumper.ts, netlink-kernel-writer.ts).
import type { FlowRecord, IndexedRecords, RecordChange } from '../model/record.js';
import type { CtScan } from './codec/ct-scan.js';
import type { ConntrackEntry, Expectation, Family, ConntrackIdentity } from './ct-entry.js';
import type { FlowFilter } from './flow-filter.js';

/** One change to apply to the kernel. Deletes need only the identity (family, tuple, zone). */
export type KernelOp =
  | { readonly op: 'set'; readonly entry: ConntrackEntry }
  | { readonly op: 'delete'; readonly entry: ConntrackEntry }
  | { readonly op: 'set-expectation'; readonly expectation: Expectation }
  | { readonly op: 'delete-expectation'; readonly expectation: Expectation };

/** `kept`: a merge's create found the entry there already, and left it as it was. `replaced`:
 *  created by the retry that follows deleting the entry in its way (a commit's NATed copy finding
 *  another mapping under its original tuple, or another entry holding its reply tuple;
 *  commit-plan.ts), even when the delete found it gone already; a retry that then has to drop
 *  the master or the helper is counted as created-without-them. */
export type OpAction = 'created' | 'created-without-master' | 'created-without-helper' | 'replaced' | 'updated' | 'deleted' | 'absent' | 'kept';

/** The outcome of one KernelOp. `errno`/`code` are the kernel's answer (e.g. 22, "EINVAL"). */
export type OpResult =
  | { readonly ok: true; readonly action: OpAction }
  | { readonly ok: false; readonly errno: number; readonly code: string; readonly reason: string };

export interface ApplyReport {
  /** One result per op, in the order given. */
  readonly results: readonly OpResult[];
  readonly created: number;
  /** Created after the entry in their way was deleted (action `replaced`; not in `created`). */
  readonly replaced: number;
  readonly updated: number;
  readonly deleted: number;
  readonly failed: number;
  /** Netlink requests sent, retries included, and how many retries there were. */
  readonly messages: number;
  readonly retries: number;
  /** Reply overruns on the writer socket (each made a chunk be sent again). */
  readonly overruns: number;
}

/** applyRecords' report: results in the order of the changes, undecodable records failed. */
export interface RecordApplyReport extends ApplyReport {
  readonly undecodable: readonly { readonly index: number; readonly error: string }[];
}

export interface CommitRecordsOptions {
  /** A merge: create what the kernel lacks, keep what it holds (commit-plan.ts). */
  readonly createOnly?: boolean;
}

export interface KernelWriter {
  /** Netlink port of the writer socket: events the writer caused carry it as their origin. */
  readonly port: number;
  /** Create-or-update and delete in batches; one failure never stops the rest. */
  apply(ops: readonly KernelOp[]): Promise<ApplyReport>;
  /**
   * The same for the sync layer's record changes (the failover commit path). Each change is
   * applied on its own: give one change per key (two changes to one key may land in either order).
   */
  applyRecords(changes: readonly RecordChange[]): Promise<RecordApplyReport>;
  /**
   * applyRecords of a set per record, without building the changes (a commit of the external
   * cache); each record is asked for when its turn comes.
   */
  commitRecords(records: IndexedRecords, options?: CommitRecordsOptions): Promise<RecordApplyReport>;
  /** Remove every conntrack entry, or every expectation. */
  flush(table: 'conntrack' | 'expectation'): Promise<void>;
  /**
   * Whether the kernel may hold labelled entries from before this process (kernel-labels.ts).
   * While it may, or once labels are in use (labelsInUse), an update of an entry without labels
   * clears the copy's (ct-encode.ts). Not held until told.
   */
  labelsHeld(held: boolean): void;
  /**
   * Labels are in use here, for good: the writer has written a labelled entry (it tells itself),
   * or events showed a labelled connection (this node's rules label them, kernel-feed.ts).
   */
  labelsInUse(): void;
  close(): void;
}

export interface DumpOptions {
  /** Only this address family (the kernel filters); default both. */
  readonly family?: Family;
  /** Entries the filter rejects are counted, not returned. */
  readonly filter?: FlowFilter;
}

export interface DumpResult<T> {
  readonly entries: T[];
  readonly filtered: number;
  /** Messages that did not decode, with the first few reasons. */
  readonly undecodable: number;
  readonly errors: readonly string[];
  /** The kernel flagged the dump as interrupted (NLM_F_DUMP_INTR): the table changed meanwhile. */
  readonly interrupted: boolean;
}

export interface KernelDumper {
  dumpConntrack(options?: DumpOptions): Promise<DumpResult<ConntrackEntry>>;
  /** The same entries as replica records (toRecord of each), for a resync of our own table. */
  dumpConntrackRecords(options?: DumpOptions): Promise<DumpResult<FlowRecord>>;
  dumpExpectations(options?: DumpOptions): Promise<DumpResult<Expectation>>;
  /** How many conntrack entries (of those the filter accepts) carry labels: a dump that keeps no entry. */
  countLabelled(options?: DumpOptions): Promise<number>;
  close(): void;
}

/** Reads one conntrack entry as the kernel holds it now (undefined: there is none). */
export interface KernelEntryReader {
  getConntrack(key: ConntrackIdentity): Promise<ConntrackEntry | undefined>;
}

/**
 * A decoded event. `originPort` is the netlink port of the socket whose request caused it (0
 * for packets): the daemon can ignore the echoes of its own commits. UPDATE events carry only
 * what changed (mergeEntry in codec/ct-decode.ts folds them into the previous state).
 */
export type KernelEvent =
  | { readonly table: 'conntrack'; readonly type: 'new' | 'update' | 'destroy'; readonly entry: ConntrackEntry; readonly originPort: number }
  | { readonly table: 'expectation'; readonly type: 'new' | 'destroy'; readonly expectation: Expectation; readonly originPort: number };

export interface OverrunInfo {
  /** Overruns so far on this subscription: events were lost, resync from a dump. */
  readonly overruns: number;
  /**
   * Events the kernel has dropped for the event socket so far, one ENOBUFS standing for any
   * number of them (its sk_drops, /proc/net/netlink); absent where the reader cannot tell.
   */
  readonly droppedByKernel?: number;
}

/**
 * A conntrack event on the fast path: its attributes scanned in place (codec/ct-scan.ts), not
 * decoded to a ConntrackEntry. Valid only during the call (the scan and its buffer are reused).
 */
export interface ConntrackEventView {
  readonly type: 'new' | 'update' | 'destroy';
  readonly originPort: number;
  readonly scan: CtScan;
}

/** Receives events; its methods should not throw (what they throw is caught and counted). */
export interface KernelEventSink {
  event(event: KernelEvent): void;
  overrun(info: OverrunInfo): void;
  /**
   * Optional fast path: conntrack events the scanner reads exactly (almost all), instead of
   * `event`. Sinks without it get every event decoded.
   */
  conntrackView?(view: ConntrackEventView): void;
  /**
   * The reader has handed over all that a drain of the socket read (and what it read before): a
   * sink that batches can send now; a sink that wraps another passes it on. Datagrams handed over one at a time as they come
   * (a slow stream) are not followed by it: more may come in the same turn of the event loop,
   * and the sink's own timer sends them together.
   */
  settled(): void;
}

export interface KernelEventStats {
  readonly datagrams: number;
  readonly events: number;
  readonly filtered: number;
  readonly undecodable: number;
  readonly overruns: number;
  readonly sinkErrors: number;
  /** Echoes of our own writes dropped before decoding (KernelEventsOptions.dropOriginPorts). */
  readonly echoesDropped?: number;
  /** Socket errors other than overruns. */
  readonly socketErrors: number;
  /** SO_RCVBUF the kernel granted (capped by net.core.rmem_max). */
  readonly recvBufferSize: number;
  /**
   * Events the kernel has dropped for the event socket in its life (sk_drops, /proc/net/netlink):
   * every lost event, where `overruns` counts the ENOBUFS answers that stand for them. Absent
   * where the reader cannot tell (the event pump's socket is in another process).
   */
  readonly droppedByKernel?: number;
  /** A message that did not decode, or a failed read, latest first. */
  readonly lastError: string | undefined;
  /**
   * Who reads the event socket, once started, in half.conf's words (`event-reader`): 'daemon'
   * (the daemon's own thread), 'pump' (a helper process), or 'in-process' (the binding's poll).
   */
  readonly reader?: string | undefined;
  /** Why the reader is not the one asked for (a fallback), if it is not. */
  readonly fallback?: string | undefined;
  /** Whether events are followed now (the daemon's subscription, which comes and goes with its role). */
  readonly subscribed?: boolean;
  /**
   * Drains of the event socket by its reader (the daemon's own, or the event pump): a wake while
   * events stream in reads all the socket holds; a slow stream is read one datagram a wake, none.
   * One subscription's figure (the daemon's aggregate, KernelSubscription, leaves it out).
   */
  readonly drains?: number;
}

export interface KernelEvents {
  /** Subscribes; resolves once the kernel delivers events (dump after this, not before). */
  start(sink: KernelEventSink): Promise<void>;
  stats(): KernelEventStats;
  close(): void;
}
