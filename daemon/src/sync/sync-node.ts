// One node of the sync protocol, wired to a Channel and a Clock: frames in (admission, dispatch to
// the per-peer receiving streams and to our sending stream), frames out (sealing with our epoch
// and frame counter), heartbeats and housekeeping. No sockets and no system time inside: the
// daemon passes a real channel and systemClock, the tests a SimulatedNetwork and a FakeClock.
import type { ExternalCaches } from '../cache/external-caches.js';
import type { CachedFlow } from '../cache/flow-cache.js';
import { FlowCache } from '../cache/flow-cache.js';
import { hashKey } from '../cache/key-hash.js';
import type { Channel } from '../channel/channel.js';
import type { FlowRecord, RecordChange, Table } from '../model/record.js';
import type { RecordPacking } from '../model/record-packing.js';
import { FLAG_ACK_REQUEST, roleFlag, sentAs } from '../wire/frame-header.js';
import { openBody } from '../wire/frame-codec.js';
import type { FrameKeys } from '../wire/keys.js';
import { decodeMessage, encodeMessage, messageTypeOf } from '../wire/message-codec.js';
import type { Message, Role } from '../wire/messages.js';
import { MessageType } from '../wire/messages.js';
import type { Clock, TimerHandle } from './clock.js';
import type { SyncCounters } from './counters.js';
import { emptySyncCounters } from './counters.js';
import { CloseMemory } from './close-memory.js';
import { FrameSealer } from './frame-sealer.js';
import type { ExternalChangeHandler } from './inbound-stream.js';
import { InboundStream } from './inbound-stream.js';
import type { SyncOptions } from './options.js';
import { resolveSyncOptions } from './options.js';
import { seqAfter } from './serial.js';
import { OutboundStream } from './outbound-stream.js';
import type { ReconcileResult } from './local-table.js';
import type { Peer } from './peer-table.js';
import { PeerTable } from './peer-table.js';
import { contradictsHeader, dispatchMessage } from './dispatch.js';
import { checkNodeIdentity } from './identity.js';
import { nodeStatus } from './status.js';
import type { SyncStatus } from './status.js';

export interface SyncNodeConfig {
  readonly clock: Clock;
  readonly channel: Channel;
  readonly keys: FrameKeys;
  readonly nodeId: number;
  /** Strictly greater than every epoch this node used before (nextBootEpoch() in identity.ts). */
  readonly bootEpoch: number;
  readonly role: Role;
  /** First data sequence number (any 32-bit value). */
  readonly initialSeq?: number;
  /** Whether a source address is one of the configured sync peers of the link (index) it came in on. */
  readonly acceptSource: (address: string, link: number) => boolean;
  readonly internal: FlowCache;
  readonly external: ExternalCaches;
  /** Direct mode: every change applied to the external cache, as it happens. */
  readonly onExternalChange?: ExternalChangeHandler;
  readonly options?: Partial<SyncOptions>;
  /** Compact form of records in data frames, both ways (kernel/record-packing.ts); every node of a cluster needs the same. */
  readonly packing?: RecordPacking;
}

/**
 * How long after a peer was last heard as the sender, beyond the peer timeout, a receiver keeps
 * its copy even when superseded (forgetSupersededCopies): a peer that sent while the new sender's
 * takeover commit ran may hold connections that sender merges only once it sees the peer stop
 * (at once for a peer that steps down, after the peer timeout for one that died; the merge runs
 * on a 1-s tick), and replicates after.
 */
export const SUPERSEDE_GRACE_MS = 2000;

/**
 * The most own closes a node remembers (ownCloses): the last 256k, 6 MiB at most
 * (close-memory.ts), none older than OWN_CLOSES_MS (at 100k closes a second the 256k go back
 * 2.6 s only); a close forgotten no longer stops a merge, or a peer's late frame in direct mode,
 * from creating that connection again. A close a dump found (the table re-read after lost events) is remembered as
 * one an event told, from the re-read on.
 */
export const OWN_CLOSES_MAX = 1 << 18;
export const OWN_CLOSES_MS = 10 * 60_000;

export class SyncNode {
  readonly counters: SyncCounters = emptySyncCounters();
  readonly options: SyncOptions;
  readonly outbound: OutboundStream;
  readonly peers: PeerTable;
  private readonly sealer: FrameSealer;
  private timer: TimerHandle | undefined;
  private lastTickAt: number;
  private lastAliveAt = Number.NEGATIVE_INFINITY;
  /** When this node's takeover commit began (takeoverBegins), until it becomes the sender. */
  private takeoverAt: number | undefined;
  private running = false;
  /**
   * The connections this node's own table closed, with when, oldest first: while this node is
   * the sender, and in external-cache mode while its takeover commit runs too (a merge may come
   * without warning: remembersCloses). A merge leaves out a copy's entry that this node closed
   * after the copy last changed it (any it remembers, for late frames), and direct mode does not write
   * a peer's late set of one (withholds): the close is newer. Reviews found both creating
   * closed connections again.
   */
  private readonly ownCloses = new CloseMemory(OWN_CLOSES_MAX, OWN_CLOSES_MS);
  /** Connections whose last change in our table was adopted from a late frame (adopt), not our own. */
  private readonly adopted = new Set<number>();
  /**
   * Direct mode, on a receiver: what the kernel holds that no copy does (kernelHolds: our table
   * as we stepped down, the kernel at start), until the first full resync of a live sender
   * deletes what that sender lacks (sweepStrays).
   */
  private strays: FlowCache | undefined;
  /** When this node last became the sender (what its own table changed after is newer than a peer's late frames). */
  private becameSenderAt = Number.POSITIVE_INFINITY;

  constructor(readonly config: SyncNodeConfig) {
    checkNodeIdentity(config);
    this.options = resolveSyncOptions(config.options);
    this.sealer = new FrameSealer(config.keys, config.nodeId, config.bootEpoch, this.counters);
    const { clock, internal, nodeId } = config;
    this.lastTickAt = clock.now();
    this.outbound = new OutboundStream({
      clock,
      options: this.options,
      counters: this.counters,
      cache: internal,
      nodeId,
      initialSeq: config.initialSeq ?? 0,
      role: config.role,
      ...(config.packing === undefined ? {} : { packing: config.packing }),
      transport: {
        sendData: (seq, body, to, flags) => this.transmit(seq, body, to, flags),
        sendControl: (message, to, flags) => this.sendControl(message, to, flags),
      },
    });
    this.peers = new PeerTable(this.options.replayWindowFrames, (origin, epoch) => this.makeInbound(origin, epoch));
    config.channel.onMessage((frame, from, link) => this.receive(frame, from, link));
    config.channel.onError(() => {
      this.counters.sendErrors++;
    });
  }

  get role(): Role {
    return this.outbound.role;
  }

  /** Announces this node (HELLO) and starts the housekeeping timer. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastTickAt = this.config.clock.now();
    this.broadcast({ type: 'hello', role: this.role });
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.config.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.outbound.flush();
  }

  /** A change of our own kernel table (from the kernel layer). */
  localChange(change: RecordChange): void {
    this.ownChangeNoted(change);
    this.outbound.localChange(change);
  }

  /**
   * A connection of our own table that closed where no event told (the takeover's re-read found
   * a connection its commit wrote gone: the table was not followed through events until then):
   * remembered as a close while a merge may come, as one an event told would be.
   */
  noteOwnClose(table: Table, key: Uint8Array): void {
    if (this.remembersCloses()) this.ownCloses.note(hashKey(table, key), this.config.clock.now());
  }

  /**
   * What a change of our own table tells the sync node beyond the stream: a change of our own
   * traffic is newer than any late frame, an adopted one is not (adopt); a close is remembered
   * while a merge may come (remembersCloses). Looked up only while some are adopted: this is the
   * path of every kernel event.
   */
  private ownChangeNoted(change: RecordChange): void {
    if (this.adopted.size > 0) this.adopted.delete(changeKey(change));
    if (change.op === 'delete' && this.remembersCloses()) this.ownCloses.note(hashKey(change.table, change.key), this.config.clock.now());
  }

  /**
   * Whether this node remembers closing the connection of a copy's entry (a merge leaves such an
   * entry out: ExternalCaches.changedSince). Whenever the copy took it in: the entry's time is its
   * arrival, not when the peer last saw the connection. A peer that sent alongside this node (a
   * split brain, a takeover's overlap) kept its own table: an entry it holds for a connection we
   * closed is, but for the same five-tuple used again there meanwhile, one it held from before
   * and never saw close, reaching us in a resync, a resend or a repair after any delay (a review
   * fuzz under lasting loss brought such closes back, the entry's arrival after the close).
   */
  closedSince(flow: CachedFlow): boolean {
    return this.closedAt(flow.record.table, flow.record.key) !== undefined;
  }

  /** When this node's own table closed that connection, if it remembers (ownCloses). */
  private closedAt(table: Table, key: Uint8Array): number | undefined {
    return this.ownCloses.closedAt(hashKey(table, key), this.config.clock.now());
  }

  /**
   * Direct mode: what of a peer's stream is not written into our kernel. While we send, what a
   * peer that has stepped down still sends (frames lost before and resent, a repair it owed:
   * frames it sent as a receiver; frames it sent as the sender that come after it stopped, from
   * the reorder buffer or delayed: late, see isLate) is older than every change our own table
   * made since we send: a change of a connection we closed since, or changed since (a state of
   * our traffic, a new connection on a reused tuple), is not written, nor the deletes at the end
   * of its resync (they would take connections we serve). Its other deletes and sets are:
   * connections it closed, opened or moved on while it still served, whose frames came late, and
   * that our table has as it inherited them. A receiver writes none of such frames while another
   * peer is the live sender (three or more nodes): its kernel follows that sender, which writes
   * what it takes of them and streams the result. While a peer sends alongside us (a takeover's
   * overlap, a split brain), what it sends is kept to what cannot bounce between us (overlapHolds).
   */
  private withholds(origin: number, change: RecordChange, sentAs: Role | undefined, swept: boolean): boolean {
    if (sentAs === undefined) return false;
    const late = this.isLate(origin, sentAs);
    if (!late && this.role !== 'sender') return false;
    // a receiver's kernel follows the live sender, whose stream carries what that sender made of
    // the late frames of a peer that stepped down (or restarted: its empty resync's deletes); a
    // close of a connection no live sender's copy holds is written: no stream will delete it
    if (this.role !== 'sender') return change.op === 'delete' ? this.anotherSendsHolding(origin, change) : this.anotherSends(origin);
    if (swept) return true;
    const known = changeKey(change);
    if (!late) return this.overlapHolds(change, known);
    // our table's last word on it is the peer's own, from an earlier late frame (adopt)
    if (this.adopted.has(known)) return false;
    const { table, key } = change.op === 'set' ? change.record : change;
    if (this.closedAt(table, key) !== undefined) return true;
    const own = this.config.internal.get(table, key);
    return own !== undefined && own.updatedAt > this.becameSenderAt;
  }

  /**
   * Whether a frame of `origin` sent in `sentAs` is late: sent as a receiver, or as the sender by
   * a peer that is no longer the sender (it said it stepped down, or went silent, since).
   */
  private isLate(origin: number, sentAs: Role): boolean {
    if (sentAs === 'receiver') return true;
    // a role not heard yet (a restart: its data frames come before its next ALIVE) is the frame's
    const peer = this.peers.get(origin);
    return peer !== undefined && (peer.role === 'receiver' || this.config.clock.now() - peer.lastHeard > this.options.peerTimeoutMs);
  }

  /**
   * Both of us send: what we write of the peer's frames becomes a change of our table (adopt)
   * and goes back to the peer in our stream, so only what the peer's copy of our stream takes
   * without writing back is written: a new connection our table lacks (and did not close), a
   * state of a connection our table still has as it inherited it, and a close of one our
   * traffic did not change since we send. A state of a connection our table changed since we
   * send (our traffic's, or one taken from a peer before) is kept out: two senders would
   * otherwise trade their versions for ever.
   */
  private overlapHolds(change: RecordChange, known: number): boolean {
    const { table, key } = change.op === 'set' ? change.record : change;
    if (this.closedAt(table, key) !== undefined) return change.op === 'set';
    const own = this.config.internal.get(table, key);
    if (own === undefined || own.updatedAt <= this.becameSenderAt) return false;
    if (change.op === 'delete') return !this.adopted.has(known);
    return own.record.stateHash !== change.record.stateHash;
  }

  /** How many of its own closes this node remembers now (ownCloses). */
  get rememberedCloses(): number {
    return this.ownCloses.size;
  }

  /**
   * While this node is the sender, or its takeover commit runs: in external-cache mode a merge
   * may come without warning (a peer that sent alongside over a cut sync link is known as such
   * only by its late frames, lateFrameAsSender), and must not bring back what was closed before.
   */
  private remembersCloses(): boolean {
    return this.role === 'sender' || (this.config.onExternalChange === undefined && this.takeoverAt !== undefined);
  }

  /**
   * Our whole table from a kernel dump: streams only the differences (see OutboundStream.reconcile),
   * each a local change for the rest (a close the dump found is remembered as one the events
   * told), as the daemon's paced reconcile makes them (runtime/paced-reconcile.ts).
   */
  reconcileTable(records: Iterable<FlowRecord>): ReconcileResult {
    return this.outbound.reconcile(records, (change) => this.ownChangeNoted(change));
  }

  /** Sends batched changes now instead of after flushDelayMs. */
  flush(): void {
    this.outbound.flush();
  }

  /**
   * Every change of our own table read so far has been given (the kernel's reader is about to
   * wait): with no flush delay configured, what they batched leaves now rather than once the
   * event loop has turned (the batcher's timer of 0 ms, a setImmediate).
   */
  localChangesSettled(): void {
    if (this.options.flushDelayMs === 0) this.outbound.flush();
  }

  /** We are the primary now: replicate our table, starting with a full resync to everyone. */
  becomeSender(): void {
    if (this.role === 'sender') return;
    const now = this.config.clock.now();
    // a peer still sending was so during the takeover too: what its copy took in after the
    // commit began reading it may be in no kernel but the peer's
    const since = this.takeoverAt ?? now;
    this.takeoverAt = undefined;
    this.becameSenderAt = now;
    // what the kernel held at start is our table now (the takeover re-read it)
    this.strays = undefined;
    // the peer that sent last before us: its frames we lacked at our commit are its to resend
    const last = this.originsByLastSending().at(-1);
    for (const peer of this.peers.values()) {
      if (this.liveSender(peer, now)) peer.alongsideSince ??= since;
      peer.receiverSeqWhenWeSent = peer.lastReceiverSeq;
      peer.precededUs = peer.nodeId === last && peer.senderUntil > Number.NEGATIVE_INFINITY;
    }
    // announced before the full resync begins: a receiver knows that resync for the new sender's
    // (its frames come after this HELLO's sequence number; forgetSupersededCopies)
    this.broadcast({ type: 'hello', role: 'sender' });
    this.outbound.becomeSender();
  }

  becomeReceiver(): void {
    // a takeover abandoned before this node became the sender (BACKUP overtook it, its commit
    // failed) reads the copies no longer
    this.takeoverAt = undefined;
    if (this.role === 'receiver') return;
    // the next takeover commits every copy whole
    for (const peer of this.peers.values()) {
      peer.alongsideSince = undefined;
      peer.alongsideLate = false;
    }
    this.ownCloses.clear();
    this.adopted.clear();
    // direct mode: what our table held stays in the kernel, and no copy holds it (strays)
    this.kernelHolds(recordsOf(this.config.internal.values()), 'receiver');
    // external-cache mode: a sender alongside us behind a cut link may lack what we served, and
    // our table is about to go; kept, it is handed over when asked for (OutboundStream.becomeReceiver).
    // Direct mode writes a peer's late frames itself (withholds), and keeps no merge
    this.outbound.becomeReceiver(this.config.onExternalChange === undefined);
    this.broadcast({ type: 'hello', role: 'receiver' });
  }

  /**
   * Direct mode: what a sender wrote into its kernel of a peer's frame (a late frame of a
   * stepped-down sender, one of a sender alongside it: withholds) becomes a change of its own
   * table, streamed on: the kernel's echo of its own write is dropped, and the other receivers
   * write no late frame themselves. A change our table already holds (a state it has, a close
   * of a connection it lacks) is not streamed again.
   */
  private adopt(change: RecordChange, sentAs: Role | undefined): void {
    if (sentAs === undefined || this.role !== 'sender') return;
    const { table, key } = change.op === 'set' ? change.record : change;
    const own = this.config.internal.get(table, key);
    if (change.op === 'set' ? own?.record.stateHash === change.record.stateHash : own === undefined) return;
    this.outbound.localChange(change);
    // a later late frame of the same connection is still written (withholds): the peer's newer word
    if (this.adopted.size >= OWN_CLOSES_MAX) this.adopted.clear();
    this.adopted.add(changeKey(change));
  }

  /**
   * Direct mode, on a receiver: replicated connections its kernel holds that no copy holds (the
   * daemon restarted: leave out flows this node does not replicate; our own table, as we step
   * down). No delete or sweep would reach them: the first full resync of a live sender (at once
   * if one has ended) deletes from the kernel those it lacks (sweepStrays), and writes its
   * version of the others. `role`: the one this node is in, or is about to be.
   */
  kernelHolds(records: Iterable<FlowRecord>, role: Role = this.role): void {
    if (this.config.onExternalChange === undefined || role !== 'receiver') return;
    const strays = (this.strays ??= new FlowCache());
    const now = this.config.clock.now();
    for (const record of records) strays.set(record, this.config.nodeId, now);
    // a live sender's full resync, begun after its last word as a receiver, has ended already:
    // its copy is that sender's table (not one of an earlier time as the sender, its HELLO lost)
    for (const peer of this.peers.values()) {
      if (this.strays === undefined) break;
      const begun = peer.inbound.fullResyncBegunSeq;
      const sinceReceiver = begun !== undefined && (peer.lastReceiverSeq === undefined || seqAfter(begun, peer.lastReceiverSeq));
      if (this.liveSender(peer, now) && sinceReceiver && peer.inbound.fullResyncSentAs === 'sender') this.sweepStrays(peer.nodeId, true, role);
    }
  }

  /**
   * Direct mode, on a receiver: a full resync of `origin` ended. Sent whole as the sender (its
   * first and last frames say so) by a peer heard within the peer timeout, its copy is that
   * sender's table: what another copy holds (of a peer that is not a live sender) or the strays
   * (kernelHolds), and it lacks, is in our kernel only because no delete reached it (a close lost
   * with skipped frames of an earlier sender, one while this daemon was down or while we sent),
   * and would be served at our takeover. It is deleted from the kernel and from that copy
   * (counted as strayDirectDeletes). A peer sending alongside (a split brain) keeps its copy:
   * those are connections it serves.
   */
  private sweepStrays(origin: number, sentAsSender: boolean, role: Role = this.role): void {
    const write = this.config.onExternalChange;
    if (write === undefined || role !== 'receiver' || !sentAsSender) return;
    const now = this.config.clock.now();
    const sender = this.peers.get(origin);
    const held = this.config.external.peek(origin);
    // its role may not be heard yet (a resync answering our join comes before its next ALIVE)
    if (sender === undefined || held === undefined || now - sender.lastHeard > this.options.peerTimeoutMs) return;
    const sweep = (copy: FlowCache, as: number): void => {
      const stray = [...copy.values()].filter((flow) => !held.has(flow.record.table, flow.record.key));
      for (const { record } of stray) {
        copy.delete(record.table, record.key);
        this.counters.strayDirectDeletes++;
        write(as, { op: 'delete', table: record.table, key: record.key });
      }
    };
    for (const other of this.config.external.origins()) {
      const peer = this.peers.get(other);
      const copy = this.config.external.peek(other);
      if (other === origin || copy === undefined || (peer !== undefined && this.liveSender(peer, now))) continue;
      sweep(copy, other);
    }
    if (this.strays !== undefined) sweep(this.strays, this.config.nodeId);
    this.strays = undefined;
  }

  /** Whether a peer other than `origin`, heard within the peer timeout, is the sender. */
  private anotherSends(origin: number): boolean {
    const now = this.config.clock.now();
    for (const peer of this.peers.values()) if (peer.nodeId !== origin && this.liveSender(peer, now)) return true;
    return false;
  }

  /** Whether a peer other than `origin`, heard within the peer timeout, is the sender, and our copy of it holds the connection. */
  private anotherSendsHolding(origin: number, change: { readonly table: Table; readonly key: Uint8Array }): boolean {
    const now = this.config.clock.now();
    for (const peer of this.peers.values()) {
      if (peer.nodeId === origin || !this.liveSender(peer, now)) continue;
      if (this.config.external.peek(peer.nodeId)?.has(change.table, change.key) === true) return true;
    }
    return false;
  }

  /** Whether some peer heard within the peer timeout is the sender. */
  peerSends(): boolean {
    const now = this.config.clock.now();
    for (const peer of this.peers.values()) if (this.liveSender(peer, now)) return true;
    return false;
  }

  private liveSender(peer: { readonly role: Role | undefined; readonly lastHeard: number }, now: number): boolean {
    return peer.role === 'sender' && now - peer.lastHeard <= this.options.peerTimeoutMs;
  }

  /**
   * After a takeover's commit: empties our copy of every peer that is not a live sender now (but
   * for one that sent while the commit ran: its copy is merged first, once we send). Such
   * a copy is frozen at the peer's last sending moment (it stopped, or died), and a later commit
   * here (a VRRP flap of this node, keepalived restarted) would bring back, over the live table,
   * connections closed since and states long gone. A peer that becomes the sender again resyncs
   * us in full. Returns the peers whose copy was emptied, and how many entries it held.
   */
  forgetFrozenCopies(only?: readonly number[]): { readonly origins: number[]; readonly entries: number } {
    const now = this.config.clock.now();
    const origins: number[] = [];
    let entries = 0;
    for (const peer of this.peers.values()) {
      if (this.liveSender(peer, now) || (only !== undefined && !only.includes(peer.nodeId))) continue;
      // it sent while our takeover commit read its copy, then stopped: what the copy took in
      // meanwhile is in no kernel but the peer's, so it is merged (overlappedCopies) first
      if (this.takeoverAt !== undefined && peer.senderUntil >= this.takeoverAt) {
        peer.alongsideSince ??= this.takeoverAt;
        continue;
      }
      // its copy is merged once complete (overlappedCopies): until then, it is owed
      if (this.role === 'sender' && peer.alongsideSince !== undefined && !this.overlapComplete(peer, now)) continue;
      peer.alongsideSince = undefined;
      peer.alongsideLate = false;
      const cache = this.config.external.peek(peer.nodeId);
      peer.copyEmptiedAt = now;
      if (cache === undefined || cache.size === 0) continue;
      origins.push(peer.nodeId);
      entries += cache.size;
      cache.clear();
    }
    if (!this.remembersCloses()) this.ownCloses.clear();
    return { origins, entries };
  }

  /**
   * On a receiver (three or more nodes): empties the copy of every peer that is not a live sender,
   * once a full resync of a live sender's, begun after it said it sends, has ended, and the peer
   * has been silent as the sender for SUPERSEDE_GRACE_MS beyond the peer timeout. A peer that
   * had stopped before that sender took over: the takeover committed its copy, then re-read the
   * table the resync holds. A peer that sent alongside the sender (a takeover's overlap, a split
   * brain) and stopped later: the sender merged its copy (overlappedCopies) once it saw the peer
   * stop (at once for a peer that steps down, after the peer timeout for one that died; the merge
   * runs on a 1-s tick) and streams what it kept of it; kept, that copy is frozen at the peer's
   * last sending moment, and a takeover by this node would bring back, under the live table,
   * connections the sender closed since (a review found a split brain's loser's copy kept for
   * good). The grace also covers the merge of what a peer sent during the sender's takeover
   * commit. Not while this node's own takeover commit runs (it reads the copies), nor in direct
   * mode (copies are kept whole there, so that a peer's next full resync deletes from the kernel
   * what it sweeps). A copy no resync supersedes stays, and a commit writes it first
   * (originsByLastSending).
   */
  forgetSupersededCopies(now: number): void {
    if (this.role !== 'receiver' || this.takeoverAt !== undefined || this.config.onExternalChange !== undefined) return;
    let superseded = false;
    for (const peer of this.peers.values()) {
      const { senderSince } = peer;
      const begunSeq = peer.inbound.fullResyncBegunSeq;
      if (senderSince === undefined || begunSeq === undefined || !this.liveSender(peer, now)) continue;
      // the resync began in the peer's time as the sender: its first frame says it was sent as the
      // sender, after the peer last said it was not. A node without the header's role bits is
      // judged by the first frame heard saying it sends, which, when its HELLO was lost, is an
      // ALIVE past the resync's beginning
      const sentAs = peer.inbound.fullResyncSentAs;
      if (sentAs === 'receiver') continue;
      const after = sentAs === 'sender' ? peer.lastReceiverSeq : senderSince.seq;
      if (after !== undefined && !seqAfter(begunSeq, after)) continue;
      superseded = true;
      break;
    }
    if (!superseded) return;
    const stoppedBefore = now - this.options.peerTimeoutMs - SUPERSEDE_GRACE_MS;
    for (const peer of this.peers.values()) {
      if (peer.senderUntil > stoppedBefore || this.liveSender(peer, now)) continue;
      const cache = this.config.external.peek(peer.nodeId);
      if (cache === undefined || cache.size === 0) continue;
      this.counters.supersededCopies++;
      this.counters.supersededEntries += cache.size;
      cache.clear();
    }
  }

  /**
   * The peers, the one that stopped sending longest ago first (senderUntil; then the one heard
   * longest ago): a commit writes their copies in this order, so that a copy frozen long ago (an
   * old sender's, kept by a receiver of three or more nodes) cannot replace the latest sender's
   * version of a connection. Not by when a peer was last heard: an old sender that stepped down
   * is still heard (its ALIVEs as a receiver) after the latest sender died.
   */
  originsByLastSending(): number[] {
    return [...this.peers.values()].sort((a, b) => a.senderUntil - b.senderUntil || a.lastHeard - b.lastHeard).map((peer) => peer.nodeId);
  }

  /** This node's takeover commit begins (it becomes the sender once the commit and re-read are done). */
  takeoverBegins(): void {
    if (this.role !== 'sender') this.takeoverAt = this.config.clock.now();
  }

  /**
   * While this node is the sender: the peers that were the sender alongside it (a split brain
   * that keepalived ended, or a takeover's overlap) and have stopped, whose copies are not empty,
   * with the time since which they were. What their copies took in since may exist in no kernel
   * but theirs: it is to be merged into ours (a create-only commit) before forgetFrozenCopies
   * empties the copies.
   */
  overlappedCopies(): { readonly origin: number; readonly since: number }[] {
    if (this.role !== 'sender') return [];
    const now = this.config.clock.now();
    const overlapped: { origin: number; since: number }[] = [];
    for (const peer of this.peers.values()) {
      if (peer.alongsideSince === undefined || this.liveSender(peer, now) || !this.overlapComplete(peer, now)) continue;
      const cache = this.config.external.peek(peer.nodeId);
      if (cache !== undefined && cache.size > 0) overlapped.push({ origin: peer.nodeId, since: peer.alongsideSince });
    }
    return overlapped;
  }

  /**
   * Whether the copy of a peer that sent alongside this node and has stopped holds all it will:
   * every data frame up to the peer's last word as a receiver (its step-down HELLO's sequence
   * number: no frame it sent as the sender comes after) has been applied, or skipped. A frame
   * lost before the step-down comes only as a resend after it: merged and emptied before, the
   * copy took it in for nothing (a review lost 72 of 217 connections so under 30 % loss). Not
   * waited for past the peer timeout after the peer last sent, nor once it is silent (it died:
   * nothing more comes); a peer that never said it stopped (silent) is complete.
   */
  private overlapComplete(peer: Peer, now: number): boolean {
    const { peerTimeoutMs } = this.options;
    if (now - peer.lastHeard > peerTimeoutMs) return true;
    // known from late frames, it may be handing its table over (a full resync of frames marked
    // first sent as the sender, OutboundStream.becomeReceiver): merged whole, in one commit; its
    // frames may wait behind a gap still (a SKIP to come: a review fuzz under lasting loss emptied
    // the copy, and forgot the overlap, before they were applied)
    if (peer.alongsideLate && (peer.inbound.fullResyncOpen || peer.inbound.holdsFrames)) return false;
    if (now - peer.senderUntil > peerTimeoutMs) return true;
    const upTo = peer.lastReceiverSeq;
    return upTo === undefined || !peer.inbound.joined || seqAfter(peer.inbound.expected, upTo);
  }

  /**
   * A data frame the peer first sent as the sender, resent since it stepped down
   * (FLAG_FIRST_SENT_AS_SENDER). Sent after the last word it had given as a receiver when this
   * node became the sender, it was sent alongside this node: a split brain over a cut sync link,
   * where none of its ALIVEs as the sender came, and its step-down came before the link's return
   * (a review lost what such a peer served). Sent before, by the sender last before us, it is a
   * frame our copy lacked when our takeover committed it (a normal failover to a standby that
   * lagged: its NACKs lost, or its copy behind a gap), and what it holds is in no kernel that goes
   * on but ours to be (a fuzz of normal failovers lost connections served up to 8 s before the
   * step-down so); by an earlier one, it is older than the table of the sender between, and left
   * alone. Either way what its
   * copy takes in from now on, and what it took in since our takeover emptied it (a repair applied
   * before this frame came), is merged once complete (overlappedCopies), create-only, without what
   * our table holds or we remember closing; a handover once whole (overlapComplete), also when the
   * peer was known as alongside already. Not in direct mode: no merge there.
   */
  lateFrameAsSender(peer: Peer, seq: number): void {
    if (this.role !== 'sender' || this.config.onExternalChange !== undefined) return;
    // sent before its last receiver word, by a peer that did not send last before us: another
    // sent after it (a double failover), whose table our commit took, and what this brings is
    // older than that (a review: connections the sender between closed came back)
    const before = peer.receiverSeqWhenWeSent;
    if (!peer.precededUs && before !== undefined && !seqAfter(seq, before)) return;
    // since its first frame as the sender after its last role word, if one came (its HELLO lost),
    // or, for the sender before us, since our takeover emptied its copy
    const emptied = peer.precededUs ? (peer.copyEmptiedAt ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    peer.alongsideSince ??= Math.min(this.config.clock.now(), peer.sentAsSenderAt ?? Number.POSITIVE_INFINITY, emptied);
    // known as alongside from its ALIVEs too, its late frames may be its handover, merged once whole
    peer.alongsideLate = true;
  }

  /**
   * A data frame the peer sent as the sender, known as the sender, while this node is the sender
   * and does not count it as alongside: it was, went silent (a cut sync link: forgetFrozenCopies
   * merged and emptied its copy once its silence passed the peer timeout) and is heard again
   * before its ALIVEs say so. What comes now (resends, a full resync answering our NACKs) may hold
   * connections only it served, merged once it stops (overlappedCopies), a full resync once whole,
   * as late frames are. A review lost what such a peer resynced before it stepped down, its next
   * ALIVE lost.
   */
  frameAsSender(peer: Peer): void {
    if (this.role !== 'sender' || this.config.onExternalChange !== undefined) return;
    peer.alongsideSince ??= this.config.clock.now();
    peer.alongsideLate = true;
  }

  /** Asks one origin (or every peer) for a full resync of what it replicates to us. */
  requestResync(origin?: number): void {
    for (const peer of this.peers.values()) if (origin === undefined || peer.nodeId === origin) peer.inbound.rejoin();
  }

  status(): SyncStatus {
    return nodeStatus(this);
  }

  /** The channel's message handler: true when the frame was authentic. Never throws. */
  receive(bytes: Uint8Array, from: string, link = 0): boolean {
    const { config, counters } = this;
    if (!this.running) return false;
    counters.framesReceived++;
    counters.bytesReceived += bytes.byteLength;
    if (!config.acceptSource(from, link)) return this.drop('wrongSource');
    const opened = openBody(config.keys, bytes);
    if (!opened.ok) return this.drop(opened.reason);
    const { header, body } = opened;
    if (header.nodeId === config.nodeId) return this.drop('ownNodeId');
    const now = config.clock.now();
    const admission = this.peers.admit(header, from, now);
    if (!admission.ok) return this.drop(admission.reason);
    const { peer } = admission;
    if (admission.restarted) counters.peerRestarts++;
    if (admission.rejoined) counters.rejoinsAfterSilence++;
    // the role this frame was sent in (a node that predates the header's role bits: its last word)
    this.outbound.receivers.heard(peer.nodeId, peer.epoch, now, this.outbound.lastSeq, sentAs(header.flags) ?? peer.role);
    if (admission.fresh) peer.inbound.tick(now);
    if (messageTypeOf(body) === MessageType.data && peer.inbound.isDuplicate(header.seq)) {
      counters.duplicateFrames++;
      peer.inbound.onLastSeq(header.seq, (header.flags & FLAG_ACK_REQUEST) !== 0, header.counter);
      return true;
    }
    const message = decodeMessage(body, this.config.packing);
    if (message === undefined || contradictsHeader(header, message)) {
      this.drop('malformed');
      return true;
    }
    dispatchMessage(this, peer, header, message);
    return true;
  }

  sendControl(message: Message, to?: number, flags = 0): void {
    this.transmit(this.outbound.lastSeq, encodeMessage(message), to, flags);
  }

  private broadcast(message: Message, flags = 0): void {
    this.sendControl(message, undefined, flags);
  }

  private transmit(seq: number, body: Buffer, to?: number, flags = 0): void {
    const address = to === undefined ? undefined : this.peers.get(to)?.address;
    this.config.channel.send(this.sealer.seal(seq, body, flags | roleFlag(this.role)), address);
  }

  private makeInbound(origin: number, epoch: number): InboundStream {
    return new InboundStream({
      clock: this.config.clock,
      options: this.options,
      counters: this.counters,
      cache: this.config.external.forOrigin(origin),
      origin,
      originEpoch: epoch,
      onChange: this.config.onExternalChange,
      withholds: (change, sentAs, swept) => this.withholds(origin, change, sentAs, swept),
      written: (change, sentAs) => this.adopt(change, sentAs),
      resynced: (begunAs, endedAs) => this.sweepStrays(origin, begunAs === 'sender' && endedAs === 'sender'),
      send: (message) => this.sendControl(message, origin),
    });
  }

  private drop(reason: keyof SyncCounters['drops']): false {
    this.counters.drops[reason]++;
    return false;
  }

  private schedule(): void {
    this.timer = this.config.clock.setTimeout(() => {
      this.tick();
      if (this.running) this.schedule();
    }, this.options.tickMs);
  }

  private tick(): void {
    const now = this.config.clock.now();
    const elapsed = now - this.lastTickAt;
    this.lastTickAt = now;
    this.outbound.tick(now, elapsed);
    for (const peer of this.peers.values()) if (now - peer.lastHeard <= this.options.peerTimeoutMs) peer.inbound.tick(now);
    this.config.internal.maintain(now);
    this.config.external.maintain(now);
    this.forgetSupersededCopies(now);
    if (now - this.lastAliveAt >= this.options.aliveIntervalMs) {
      this.lastAliveAt = now;
      this.counters.heartbeatsSent++;
      const alive = encodeMessage({ type: 'alive', role: this.role });
      const flags = (this.outbound.hasUnacked(now) ? FLAG_ACK_REQUEST : 0) | roleFlag(this.role);
      this.config.channel.sendOnEveryLink((linkFlags) => this.sealer.seal(this.outbound.lastSeq, alive, flags | linkFlags));
    } else if (this.outbound.needsProbe(now)) {
      this.broadcast({ type: 'alive', role: this.role }, FLAG_ACK_REQUEST);
    }
  }
}

/**
 * The identity in `adopted` of the connection a change is about: 53 bits of its key's two hashes
 * (a number: the key's bytes as a string cost about twice as much). ownCloses keys by both
 * hashes whole (64 bits).
 */
function changeKey(change: RecordChange): number {
  const { first, second } = change.op === 'set' ? hashKey(change.record.table, change.record.key) : hashKey(change.table, change.key);
  return first * 0x20_0000 + (second >>> 11);
}

/** The records of `flows`, one at a time (nothing is built unless they are read). */
function* recordsOf(flows: Iterable<CachedFlow>): Generator<FlowRecord, void, undefined> {
  for (const flow of flows) yield flow.record;
}
