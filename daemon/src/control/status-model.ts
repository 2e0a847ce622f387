// What `status` answers on the control socket and `half status --json` prints: plain JSON,
// versioned by `schema`. Built by composeStatus (compose-status.ts) from the daemon's layers;
// read by the CLI's renderer and by the metrics endpoint. Also the results of commit, flush
// and resync.
import type { HistogramSnapshot } from '../metrics/latency-histogram.js';
import type { FlushTarget, ResyncSource } from './protocol.js';

export const STATUS_SCHEMA = 1;

/** keepalived's view of this node, from the latest notify event; `unknown` before the first. */
export type HaState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'unknown';

export interface PeerView {
  readonly nodeId: number;
  /** Source address of its latest authentic frame. */
  readonly address: string;
  readonly epoch: number;
  readonly role: 'sender' | 'receiver' | null;
  /** `up` while it was heard within the peer timeout. */
  readonly state: 'up' | 'down';
  /** Milliseconds since its last authentic frame (an ALIVE at least every alive interval). */
  readonly lastSeenMs: number;
  /** Whether we follow its stream, and the next of its sequence numbers we expect. */
  readonly joined: boolean;
  readonly expectedSeq: number;
  /** Whether it follows our stream, how far it acknowledged, and how many of our frames it has not. */
  readonly followsUs: boolean;
  readonly ackedUpTo: number | null;
  readonly lagFrames: number | null;
  /** Its entries held in our external cache. */
  readonly externalEntries: number;
}

/** The counters `half status` shows first; every counter is also in `counters.sync` & co. */
export interface CounterSummary {
  /** Conntrack events received from the kernel. */
  readonly eventsIn: number;
  /** Records sent to the peers (live changes and resyncs). */
  readonly eventsOut: number;
  /** Records received from peers and applied to the external cache. */
  readonly recordsApplied: number;
  readonly resends: number;
  readonly nacksSent: number;
  readonly nacksReceived: number;
  readonly resyncs: number;
  /** Kernel event overruns (ENOBUFS: events lost, healed by a resync). */
  readonly overruns: number;
  readonly resendQueueOverflows: number;
}

export interface CommitSummary {
  readonly entries: number;
  readonly created: number;
  /** Created after the entry in their way was deleted (kernel/commit-plan.ts); absent from a daemon older than 2026-11-28. */
  readonly replaced?: number;
  readonly updated: number;
  readonly failed: number;
  readonly durationMs: number;
}

export interface CommitStats {
  readonly count: number;
  /** The latest commit, null before the first. */
  readonly last: CommitSummary | null;
  readonly durationMs: HistogramSnapshot;
}

/** One of a node's two sync links ([sync] and [sync2]). */
export interface SyncLinkView {
  readonly interface: string;
  /** Whether frames go out on it now. */
  readonly active: boolean;
  /** Since an authentic frame last arrived on it. */
  readonly silentForMs: number;
  readonly sendErrors: number;
}

/** A node's two sync links, and how often frames moved from one to the other. */
export interface SyncLinksView {
  readonly switches: number;
  readonly links: readonly SyncLinkView[];
}

export interface DaemonStatus {
  readonly schema: typeof STATUS_SCHEMA;
  readonly daemon: {
    readonly version: string;
    readonly pid: number;
    readonly uptimeSeconds: number;
    readonly configFile: string;
    /** config-digest.ts of the half.conf and key it started with; absent from older daemons. */
    readonly configDigest?: string;
  };
  readonly node: {
    readonly id: number;
    readonly bootEpoch: number;
    /** Sync role: `sender` replicates its kernel table, `receiver` keeps the peers' copies. */
    readonly role: 'sender' | 'receiver';
    readonly ha: HaState;
    readonly mode: 'external-cache' | 'direct';
  };
  readonly stream: {
    readonly lastSeq: number;
    readonly resendQueue: number;
    readonly resyncInProgress: boolean;
  };
  readonly tables: {
    /** Entries of our own kernel table we replicate. */
    readonly internal: number;
    /** Peers' entries we hold, all peers together (per peer: peers[].externalEntries). */
    readonly external: number;
    /** Entries in the kernel's conntrack table (nf_conntrack_count), null when unknown. */
    readonly kernel: number | null;
  };
  readonly peers: readonly PeerView[];
  /** With two sync links ([sync2]) only; absent too from the answers of older daemons. */
  readonly syncLinks?: SyncLinksView;
  /**
   * The conntrack event subscription (held while this node is the sender): who reads it, and how
   * it went. Absent from the answers of daemons older than this field (the CLI may be newer).
   */
  readonly kernelEvents?: {
    /** Whether the daemon follows its kernel's events now (a standby does not). */
    readonly subscribed: boolean;
    /** `daemon` (its own thread), `pump` (a helper process) or `in-process`, now or last time; null before the first subscription. */
    readonly reader: string | null;
    /** Why the reader is not the one half.conf asked for (a fallback); null when it is. */
    readonly fallback: string | null;
    /** The latest message that did not decode, or read that failed; null when none. */
    readonly lastError: string | null;
  };
  readonly summary: CounterSummary;
  readonly counters: {
    /** Frames dropped, by reason (wire/drop-reason.ts). */
    readonly drops: Readonly<Record<string, number>>;
    readonly sync: Readonly<Record<string, number>>;
    readonly kernel: Readonly<Record<string, number>>;
    /** Control socket requests and refusals (control-server.ts). */
    readonly control: Readonly<Record<string, number>>;
    /** The sync channel: `multicastRejoins`. Absent from the answers of older daemons. */
    readonly channel?: Readonly<Record<string, number>>;
  };
  readonly commits: CommitStats;
  readonly latency: {
    /** Time from sending a change to its acknowledgement by a peer. */
    readonly replicationLagMs: HistogramSnapshot;
  };
}

export interface FlushSummary {
  readonly target: FlushTarget;
  /** Entries removed from each cache flushed. */
  readonly internal: number;
  readonly external: number;
}

export interface ResyncSummary {
  readonly source: ResyncSource;
  /** Peers asked (source `peers`) or entries read from the kernel (source `kernel`). */
  readonly count: number;
}
