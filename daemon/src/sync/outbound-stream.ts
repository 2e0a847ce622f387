// The sending half of a node: our sequence space, batching of stream entries into datagrams, the
// resend queue, acknowledgements and NACKs from receivers, paced resyncs and anti-entropy digests.
// Only a node in the sender role streams its table; in the receiver role it still answers joins
// (with an empty resync, which clears what peers kept from an earlier epoch of ours, unless it
// was the sender in this epoch: then its followers' copy stands, and a repair it owed them at
// the step-down is still sent).
// Model: conntrack-tools' src/sync-ftfw.c (sequence tracking, ACK/NACK, resend list, alive).
import type { BucketScope } from '../cache/bucket-scope.js';
import { FULL_SCOPE } from '../cache/bucket-scope.js';
import { snapshotScope, type RecordSnapshot } from '../cache/record-snapshot.js';
import type { FlowCache } from '../cache/flow-cache.js';
import type { FlowRecord, IndexedRecords, RecordChange } from '../model/record.js';
import type { RecordPacking } from '../model/record-packing.js';
import type { Message, Role, SeqRange, StreamEntry } from '../wire/messages.js';
import { FLAG_ACK_REQUEST, FLAG_FIRST_SENT_AS_SENDER } from '../wire/frame-header.js';
import type { Clock } from './clock.js';
import { FrameBatcher } from './frame-batcher.js';
import type { ReconcileResult } from './local-table.js';
import { applyLocalChange, reconcileTable } from './local-table.js';
import { answerAck, answerNack, answerSyncRequest } from './receiver-requests.js';
import type { SyncCounters } from './counters.js';
import type { SyncOptions } from './options.js';
import { maxBodyBytes } from './options.js';
import { lacks, ReceiverAcks, type ReceiverAck } from './receiver-acks.js';
import { ResendQueue } from './resend-queue.js';
import { ResyncPlanner, type ResyncJob } from './resync-planner.js';
import { ResyncPacer, emitDigests } from './resync-pacer.js';
import { seqAdd, seqBefore } from './serial.js';

const EMPTY: IndexedRecords = { length: 0, at: () => undefined };

/**
 * How long a node that stepped down keeps its table for a handover (OutboundStream.handingOver):
 * no longer than the new sender remembers its own closes (OWN_CLOSES_MS in sync-node.ts), which
 * keep the merge of a late handover from creating closed connections again.
 */
export const HANDOVER_KEEP_MS = 10 * 60_000;

/** How the stream reaches the wire (implemented by SyncNode: seal, then send on the channel). */
export interface OutboundTransport {
  sendData(seq: number, body: Buffer, to?: number, flags?: number): void;
  sendControl(message: Message, to?: number, flags?: number): void;
}

export interface OutboundDeps {
  readonly clock: Clock;
  readonly options: SyncOptions;
  readonly counters: SyncCounters;
  /** Our own table (the internal cache). */
  readonly cache: FlowCache;
  readonly nodeId: number;
  readonly initialSeq: number;
  readonly role: Role;
  readonly transport: OutboundTransport;
  /** Compact form of records in data frames (absent: records go as key and payload). */
  readonly packing?: RecordPacking;
}

/**
 * A stepped-down node's table kept for a handover: when it stepped down, until when it is kept at
 * most, the last frame a receiver must have to need none (its last as the sender, or its last
 * handover's), and the receivers known then, by boot epoch.
 */
interface KeptTable {
  readonly table: RecordSnapshot;
  readonly at: number;
  readonly until: number;
  readonly through: number;
  readonly known: ReadonlyMap<number, number>;
}

export class OutboundStream {
  role: Role;
  readonly receivers: ReceiverAcks;
  readonly queue: ResendQueue;
  readonly planner = new ResyncPlanner();
  private readonly pacer = new ResyncPacer();
  private nextSeq: number;
  private readonly batcher: FrameBatcher;
  lastDataAt = Number.NEGATIVE_INFINITY;
  lastDigestAt: number;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  /**
   * Whether this stream (this epoch of the node) has been the sender. Its followers' copy of it
   * is then the table it last sent, which a takeover commits: a full resync started as a receiver
   * (with no keys) would sweep that copy, so a stepped-down node never starts one.
   */
  wasSender: boolean;
  /** The table a stepped-down node may still owe its followers repairs of (becomeReceiver). */
  private lastTable: RecordSnapshot | undefined;
  /**
   * The table kept for a handover (becomeReceiver): the same snapshot as `lastTable`, kept on
   * after a new sender ends the repairs (endDrain); when the node stepped down, until when it is
   * kept at most, and the last frame it sent as the sender, which a receiver lacked then.
   * Undefined: none kept.
   */
  private handover: KeptTable | undefined;
  /** A handover was started since the kept table's `through` was last brought up to date (dropLastTable). */
  private handoverSent = false;
  /**
   * The last step-down in external-cache mode (a handover may follow it: endDrain): when, the
   * last frame sent as the sender, and the receivers that followed this node then (by boot epoch).
   */
  private steppedDown: { readonly at: number; readonly through: number; readonly followers: ReadonlyMap<number, number>; readonly known: ReadonlyMap<number, number> } | undefined;

  constructor(private readonly deps: OutboundDeps) {
    this.role = deps.role;
    this.wasSender = deps.role === 'sender';
    this.nextSeq = deps.initialSeq >>> 0;
    this.batcher = new FrameBatcher(maxBodyBytes(deps.options), deps.clock, deps.options.flushDelayMs, () => this.flush(), deps.packing);
    this.queue = new ResendQueue(deps.options.resendQueueFrames);
    this.receivers = new ReceiverAcks(deps.options.peerTimeoutMs);
    this.lastDigestAt = deps.clock.now();
  }

  /** The last data sequence number used (carried in the header of every control frame). */
  get lastSeq(): number {
    return seqAdd(this.nextSeq, -1);
  }

  /** A change of our own table: always cached, streamed when we are the sender. */
  localChange(change: RecordChange): void {
    applyLocalChange(this, this.deps, change);
  }

  /** Our whole table from a kernel dump: only the differences are streamed (each told to `noted`). */
  reconcile(records: Iterable<FlowRecord>, noted?: (change: RecordChange) => void): ReconcileResult {
    return reconcileTable(this, this.deps, records, noted);
  }

  appendRecord(entry: StreamEntry & { kind: 'set' | 'delete' }): boolean {
    const { table, key } = entry.kind === 'set' ? entry.record : entry;
    if (!this.append(entry, this.deps.cache.bucketFor(table, key))) return false;
    this.deps.counters.recordsSent++;
    return true;
  }

  /** Adds an entry to the frame being built; false when it can never fit a datagram. */
  append(entry: StreamEntry, touches?: number | BucketScope): boolean {
    let result = this.batcher.add(entry, touches);
    if (result === 'frameFull') {
      this.flush();
      result = this.batcher.add(entry, touches);
    }
    if (result === 'added') return true;
    this.deps.counters.oversizeRecords++;
    return false;
  }

  /** Sends the frame being built now. */
  flush(): void {
    const built = this.batcher.take();
    if (built === undefined) return;
    const { clock, counters, transport } = this.deps;
    const now = clock.now();
    // a handover's frames carry what this node served as the sender (becomeReceiver)
    const asSender = this.role === 'sender' || this.planner.job?.handover === true;
    const frame = { seq: this.nextSeq, ...built, asSender };
    this.nextSeq = seqAdd(frame.seq, 1);
    const evicted = this.queue.push(frame);
    if (evicted !== undefined) this.receivers.released(evicted.seq, now);
    if (evicted !== undefined && this.receivers.unacked(evicted.seq, now)) {
      counters.resendQueueOverflows++;
      this.planner.schedule(evicted.full ? FULL_SCOPE : { full: false, buckets: evicted.buckets });
    }
    counters.dataFramesSent++;
    this.lastDataAt = now;
    this.receivers.sent(now);
    // A filling queue asks receivers to acknowledge now rather than after their ack delay.
    const flags = (this.queue.length >= this.resyncRoom ? FLAG_ACK_REQUEST : 0) | (asSender && this.role !== 'sender' ? FLAG_FIRST_SENT_AS_SENDER : 0);
    transport.sendData(frame.seq, frame.body, undefined, flags);
    this.trim(now);
  }

  /**
   * Starts a resync job now (a full one supersedes the running job); returns its first sequence.
   * `handOver`: a stepped-down node's full resync of the table kept for a handover (startHandover).
   */
  startJob(scope: BucketScope, handOver = false): number {
    this.planner.end();
    this.flush();
    const beginSeq = this.nextSeq;
    let job: ResyncJob;
    const kept = handOver ? this.handover?.table : this.lastTable;
    if (this.role === 'sender') job = this.planner.begin(scope, this.deps.cache.keysIn(scope), beginSeq);
    else job = this.planner.begin(scope, [], beginSeq, kept === undefined ? EMPTY : snapshotScope(kept, scope), handOver && kept !== undefined);
    this.append({ kind: 'resyncBegin', job: job.id, scope }, scope);
    this.deps.counters.resyncsStarted++;
    if (scope.full) this.deps.counters.fullResyncsStarted++;
    return beginSeq;
  }

  becomeSender(): void {
    this.role = 'sender';
    this.wasSender = true;
    this.lastTable = undefined;
    this.handover = undefined;
    this.planner.clearPending();
    this.startJob(FULL_SCOPE);
  }

  /**
   * Stops streaming our table. A repair this node owes its followers still goes out: a resend-
   * queue overflow was answered with SKIP on the promise of the resync it scheduled, and the
   * copies a takeover commits must not keep the gap. It is sent, paced as any resync, from a
   * snapshot of the table as it is now (the daemon clears the table next), kept until the repair
   * (and any repair of its own frames) is done and acknowledged.
   *
   * `handOver` (external-cache mode): when a receiver lacks frames this node sent as the sender,
   * the snapshot is kept for it (handingOver). That receiver may be a sender alongside this node
   * behind a cut sync link (a split brain VRRP has just ended in its favour), whose merge is the
   * only way what this node served reaches a kernel that goes on: once the receiver has been
   * silent for the peer timeout those frames are released (ReceiverAcks), and after the step-down
   * this node's table is gone. Asked for them by a node heard as the sender, the node resends the
   * whole table instead (joinFullResync), as frames marked first sent as the sender, which that
   * sender merges create-only. A repair owed is not marked so: it is the followers' business
   * and ends when a new sender is heard (endDrain), which gets the handover in its place if it
   * followed this node at the step-down; unless a receiver
   * heard as the sender while this node still sent lacks frames (ReceiverAcks.senderAlongsideLacking:
   * it sent alongside this node, and that repair was its only way to what they held), when the
   * handover starts at once in its place (review fuzzes lost what the loser served so, with a
   * resync for the winner's NACKs cut short, or with frames a small resend queue dropped). A
   * receiver that was quiet behind a cut when frames were dropped and is heard as the sender only
   * after the step-down gets the handover when it asks for them (answerNack).
   */
  becomeReceiver(handOver = false): void {
    this.flush();
    if (this.role !== 'sender') return;
    const owed = this.planner.owed();
    const now = this.deps.clock.now();
    const through = this.lastSeq;
    const lacking = handOver && this.receivers.lacking(through);
    this.role = 'receiver';
    this.planner.end();
    this.planner.clearPending();
    this.handover = undefined;
    const known = handOver ? this.receivers.known() : new Map<number, number>();
    this.steppedDown = handOver ? { at: now, through, followers: this.receivers.followers(), known } : undefined;
    if (owed === undefined && !lacking) return;
    // typed arrays over the arena's chunks, which never change: cheap, and no copy of the records
    const table = this.deps.cache.snapshot();
    if (lacking) this.handover = { table, at: now, until: now + HANDOVER_KEEP_MS, through, known };
    if (owed === undefined) return;
    this.lastTable = table;
    if (lacking && this.receivers.senderAlongsideLacking(through, now)) {
      this.startHandover();
      this.deps.counters.handovers++;
    } else {
      this.startJob(owed);
    }
  }

  /** Whether the stepped-down node's table is kept for a receiver that may lack what it sent as the sender (becomeReceiver). */
  get handingOver(): boolean {
    return this.handover !== undefined;
  }

  /**
   * Whether `receiver` is one the table is kept for: it may lack a frame this node sent as the
   * sender, and it is heard as the sender, so may have sent alongside this node (the winner of a
   * split brain). Any other receiver (a plain one back from a cut link, a new sender that it is
   * not: a normal failover) holds the new sender's table, and a handover would bring connections
   * the new sender closed back into its merge (a review: 100 of 100).
   */
  owesHandover(receiver: ReceiverAck): boolean {
    const { handover } = this;
    // a receiver started since our step-down (a new sender whose daemon restarted, its memory of
    // closes gone) cannot have sent alongside us: a handover would bring its closes back (a review)
    return handover !== undefined && handover.known.get(receiver.nodeId) === receiver.epoch && receiver.heardAs === 'sender' && lacks(receiver, handover.through);
  }

  /** Starts a handover (owesHandover): a full resync of the table kept, marked first sent as the sender. */
  startHandover(): number {
    this.handoverSent = true;
    return this.startJob(FULL_SCOPE, true);
  }

  /**
   * Another node is heard as the sender: the table it serves is what its followers hold from
   * now on (its own full resync), so a repair this stepped-down node still owes from its last
   * table is not sent to them. Sent as it is, unmarked, it would bring connections the new
   * sender closed back into the copies of its followers, and in direct mode into its kernel. But
   * in external-cache mode, when that new sender followed this node at its step-down (a normal
   * failover to a standby, or a split brain's winner), it may be one the repair was for: the frames it lacks
   * (dropped from the resend queue under load, while the sync link was cut) hold connections this
   * node served and that reach no other kernel that goes on. The table is handed over to it
   * instead, marked first sent as the sender, and it merges it create-only, leaving out every
   * connection it remembers closing (before, a standby that lagged so lost those connections at a
   * normal failover, where frames still queued came back as marked resends and were merged). A
   * table kept for a handover stays, and a handover under way goes on: a full resync begun and
   * never ended holds back the merge waiting for it (SyncNode.overlapComplete).
   */
  endDrain(from?: number): void {
    const table = this.lastTable;
    if (this.role === 'sender' || table === undefined) return;
    this.lastTable = undefined;
    const handingOver = this.planner.job?.handover === true;
    // the repair still runs, or waits: not one that has ended (its frames only await acknowledgement)
    const owed = this.planner.owed() !== undefined;
    if (!handingOver) this.planner.end();
    this.planner.clearPending();
    const { steppedDown } = this;
    const follower = from === undefined ? undefined : this.receivers.get(from);
    if (handingOver || !owed || steppedDown === undefined || follower === undefined || steppedDown.followers.get(follower.nodeId) !== follower.epoch) return;
    this.handover ??= { table, at: steppedDown.at, until: steppedDown.at + HANDOVER_KEEP_MS, through: steppedDown.through, known: steppedDown.known };
    this.startHandover();
    this.deps.counters.handovers++;
  }

  onAck(from: number, upTo: number): void {
    answerAck(this, this.deps, from, upTo);
    // Acknowledgements clock the bulk resync: freed queue room is refilled at once.
    if (this.planner.job !== undefined) this.pacer.run(this, this.deps, 0);
  }

  onNack(from: number, ranges: readonly SeqRange[]): void {
    answerNack(this, this.deps, from, ranges);
  }

  onSyncRequest(from: number, scope: BucketScope): void {
    answerSyncRequest(this, this.deps, from, scope);
  }

  /** Housekeeping: release acknowledged frames, pace the resync, send digests when due. */
  tick(now: number, elapsedMs: number): void {
    this.trim(now);
    if (this.planner.job === undefined) {
      const next = this.planner.takePending();
      // a stepped-down node repairs only from what it kept: an empty job would sweep the copies
      const canRepair = this.role === 'sender' || !this.wasSender || this.lastTable !== undefined;
      if (next !== undefined && canRepair) this.startJob(next);
    }
    this.pacer.run(this, this.deps, elapsedMs);
    this.dropLastTable(now);
    const { options } = this.deps;
    if (
      this.role === 'sender' &&
      this.planner.idle &&
      now - this.lastDigestAt >= options.antiEntropyIntervalMs &&
      this.receivers.anyLiveJoined(now)
    ) {
      this.lastDigestAt = now;
      emitDigests(this, this.deps);
    }
  }

  /**
   * A stepped-down node forgets its last table once no repair needs it: when no job runs and
   * nothing is queued. The table kept for a handover goes when no receiver that lacks a frame it
   * sent as the sender may have sent alongside it (those that lacked some took the handover:
   * joining it counts them from its beginning; one heard as a receiver since the step-down is a
   * plain one), or HANDOVER_KEEP_MS have passed. A job running is never cut short: a full resync
   * begun and never ended would hold back a merge waiting for it (SyncNode.overlapComplete).
   */
  private dropLastTable(now: number): void {
    if (!this.planner.idle) return;
    // a receiver joined to a handover has all of it once it acknowledges its last frame: until
    // then it lacks it (its JOIN lost, it never heard the handover, though joined after our last
    // frame as the sender: a review fuzz under lasting loss lost what the loser served so)
    if (this.handover !== undefined && this.handoverSent) this.handover = { ...this.handover, through: this.lastSeq };
    this.handoverSent = false;
    const { handover } = this;
    if (handover !== undefined && (now > handover.until || !this.receivers.lackingMaybeAlongside(handover.through, handover.at, handover.known))) this.handover = undefined;
    if (this.queue.length === 0) this.lastTable = undefined;
  }

  /** Queue length up to which bulk resyncs may add frames. */
  get resyncRoom(): number {
    const { resendQueueFrames, resyncQueueShare } = this.deps.options;
    return Math.max(1, Math.floor(resendQueueFrames * resyncQueueShare));
  }

  /** Whether some live receiver has not acknowledged everything sent. */
  hasUnacked(now: number): boolean {
    return this.queue.length > 0 && this.receivers.unacked(this.lastSeq, now);
  }

  /** Whether to send an ALIVE now so receivers notice lost tail frames. */
  needsProbe(now: number): boolean {
    const probeMs = this.deps.options.probeMs;
    if (!this.hasUnacked(now)) return false;
    if (now - this.lastDataAt < probeMs || now - this.lastProbeAt < probeMs) return false;
    this.lastProbeAt = now;
    return true;
  }

  /** Releases what every live receiver acknowledged (everything, when none follows us). */
  trim(now: number): void {
    const min = this.receivers.minAcked(now);
    const through = min ?? this.lastSeq;
    if (this.queue.length > 0) this.receivers.released(through, now);
    if (min === undefined) this.queue.clear();
    else this.queue.trimThrough(min);
  }
}
