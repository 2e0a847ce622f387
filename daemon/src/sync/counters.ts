// Every send, resend, repair and drop of the sync protocol has a named counter (conntrack-tools'
// rule, STYLE.md 9). A plain object: the daemon's control socket and metrics endpoint read it.
import type { DropCounters } from '../wire/drop-reason.js';
import { emptyDropCounters } from '../wire/drop-reason.js';

export interface SyncCounters {
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  /** New data frames (not counting resends). */
  dataFramesSent: number;
  /** Set/delete entries this node originated (live changes and resync records). */
  recordsSent: number;
  /** Set/delete entries applied to the external cache. */
  recordsApplied: number;
  heartbeatsSent: number;
  acksSent: number;
  acksReceived: number;
  nacksSent: number;
  nacksReceived: number;
  /** Data frames sent again after a NACK. */
  resentFrames: number;
  skipsSent: number;
  skipsReceived: number;
  /** Unacknowledged frames pushed out of a full resend queue (each triggers a targeted resync). */
  resendQueueOverflows: number;
  resyncsStarted: number;
  fullResyncsStarted: number;
  resyncRecordsSent: number;
  resyncRequestsSent: number;
  resyncRequestsReceived: number;
  joinsSent: number;
  /** Full resyncs for a receiver that asked for frames released while it was silent (none covered them). */
  lapsedResyncs: number;
  /**
   * Handovers a node that stepped down started: full resyncs of its table as it was then, marked
   * first sent as the sender, for a receiver heard as the sender that asked for frames it sent
   * as the sender and released while that receiver was silent (OutboundStream.becomeReceiver).
   */
  handovers: number;
  /** Requests for bucket repairs sent again: no resync covering them had begun (the first was lost, or is still queued). */
  repairRequestsRepeated: number;
  joins: number;
  /** External entries deleted at the end of a resync because the origin no longer has them. */
  sweptEntries: number;
  /**
   * A receiver's copies of peers that had stopped sending before the present sender became one,
   * emptied once its full resync ended (it holds what the sender took over from them), and the
   * entries they held (SyncNode.forgetSupersededCopies).
   */
  supersededCopies: number;
  supersededEntries: number;
  digestsSent: number;
  /** Buckets whose digest differed from the origin's (each is repaired). */
  digestMismatches: number;
  peerRestarts: number;
  /** Peers heard again after a silence too long to continue their stream (REJOIN_AFTER_SILENCE_MS): joined again. */
  rejoinsAfterSilence: number;
  /**
   * Peers rejoined because their newest control frame put the end of their stream before where
   * we expected it to go on: our place in it was wrong (a corrupt JOIN or SKIP followed), and
   * every frame after would have counted as a duplicate.
   */
  rejoinsAhead: number;
  duplicateFrames: number;
  /**
   * Direct mode: changes of a peer, in frames it sent as a receiver (it has stepped down: late
   * resends, a repair it owed), applied to its copy but not written to the kernel, since this node
   * is the sender and its kernel is newer.
   */
  staleDirectChanges: number;
  /**
   * Direct mode, on a receiver: kernel entries deleted at the end of a live sender's full resync
   * that lacks them (held by another peer's copy, or by our own table as we stepped down, or
   * given by kernelHolds: SyncNode.sweepStrays).
   */
  strayDirectDeletes: number;
  /** Data frames too far ahead of the next expected one to be buffered (resent later). */
  outOfWindowFrames: number;
  /** Records too large for one datagram at the configured MTU (not replicated: fix the MTU). */
  oversizeRecords: number;
  sendErrors: number;
  drops: DropCounters;
}

export function emptySyncCounters(): SyncCounters {
  return {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    dataFramesSent: 0,
    recordsSent: 0,
    recordsApplied: 0,
    heartbeatsSent: 0,
    acksSent: 0,
    acksReceived: 0,
    nacksSent: 0,
    nacksReceived: 0,
    resentFrames: 0,
    skipsSent: 0,
    skipsReceived: 0,
    resendQueueOverflows: 0,
    resyncsStarted: 0,
    fullResyncsStarted: 0,
    resyncRecordsSent: 0,
    resyncRequestsSent: 0,
    resyncRequestsReceived: 0,
    joinsSent: 0,
    lapsedResyncs: 0,
    handovers: 0,
    repairRequestsRepeated: 0,
    joins: 0,
    sweptEntries: 0,
    supersededCopies: 0,
    supersededEntries: 0,
    digestsSent: 0,
    digestMismatches: 0,
    peerRestarts: 0,
    rejoinsAfterSilence: 0,
    rejoinsAhead: 0,
    duplicateFrames: 0,
    staleDirectChanges: 0,
    strayDirectDeletes: 0,
    outOfWindowFrames: 0,
    oversizeRecords: 0,
    sendErrors: 0,
    drops: emptyDropCounters(),
  };
}
