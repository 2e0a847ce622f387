// A sender's answers to its receivers: acknowledgements release the resend queue; NACKs get the
// missing frames again (to that receiver only), or a SKIP past frames that are gone; a full sync
// request gets a JOIN at the start of a full resync (shared with other joiners while its first
// frame is still in the queue); a bucket request schedules a targeted resync.
import type { BucketScope } from '../cache/bucket-scope.js';
import { FULL_SCOPE } from '../cache/bucket-scope.js';
import { FLAG_FIRST_SENT_AS_SENDER } from '../wire/frame-header.js';
import type { SeqRange } from '../wire/messages.js';
import type { OutboundDeps, OutboundStream } from './outbound-stream.js';
import type { ReceiverAck } from './receiver-acks.js';
import { seqAdd, seqAfter, seqAfterOrEqual, seqBefore, seqBeforeOrEqual, seqDiff } from './serial.js';

/** Oldest sequence number still available for resending. */
function oldestAvailable(stream: OutboundStream): number {
  return stream.queue.oldest?.seq ?? seqAdd(stream.lastSeq, 1);
}

export function answerAck(stream: OutboundStream, deps: OutboundDeps, peer: number, upTo: number): void {
  deps.counters.acksReceived++;
  const receiver = stream.receivers.get(peer);
  if (receiver === undefined || seqAfter(upTo, stream.lastSeq)) return;
  stream.receivers.answered(receiver, deps.clock.now(), stream.lastSeq, upTo);
  if (!receiver.joined) {
    // A receiver we had given up on (silent too long) is back where it says it is.
    receiver.joined = true;
    receiver.ackedUpTo = upTo;
  } else if (seqAfter(upTo, receiver.ackedUpTo)) {
    receiver.ackedUpTo = upTo;
  }
  // it has everything released while it was silent after all
  if (receiver.lapsedThrough !== undefined && seqAfterOrEqual(upTo, receiver.lapsedThrough)) receiver.lapsedThrough = undefined;
  if (receiver.quietThrough !== undefined && seqAfterOrEqual(upTo, receiver.quietThrough)) receiver.quietThrough = undefined;
  stream.trim(deps.clock.now());
}

export function answerNack(stream: OutboundStream, deps: OutboundDeps, peer: number, ranges: readonly SeqRange[]): void {
  const { counters, transport } = deps;
  counters.nacksReceived++;
  const receiver = stream.receivers.get(peer);
  if (receiver === undefined) return;
  stream.receivers.answered(receiver, deps.clock.now(), stream.lastSeq);
  const oldest = oldestAvailable(stream);
  // Everything the receiver NACKs is sent again, even below what we counted as acknowledged: a
  // late NACK (sent before the ACK of a resend) costs a duplicate, which the receiver drops,
  // but a receiver that joined earlier than we count it from (it followed the first of two
  // JOINs) would otherwise wait for those frames forever. The NACK also holds them in the queue.
  // A range's walk is bounded by the queue (at most its length), not by the range: serial
  // order is undefined for numbers 2^31 apart, so an authentic but corrupt NACK from our last
  // sequence number to 2^31 past it passed the checks and walked two billion numbers, holding
  // the event loop for minutes. And each queued frame is resent once per NACK, however many of
  // its ranges name it: 64 copies of one range over a full queue resent 524,160 frames, 6 s of
  // the event loop (reviews).
  let skip = false;
  const resent = new Uint8Array(stream.queue.length); // by offset from the oldest queued frame
  for (const range of ranges) {
    const first = range.from;
    if (seqAfter(first, stream.lastSeq)) continue;
    const last = seqAfter(range.to, stream.lastSeq) ? stream.lastSeq : range.to;
    if (seqAfter(first, last)) continue;
    if (receiver.joined && seqBeforeOrEqual(first, receiver.ackedUpTo)) receiver.ackedUpTo = seqAdd(first, -1);
    if (seqBefore(first, oldest)) skip = true;
    const steps = stream.queue.length;
    for (let seq = seqBefore(first, oldest) ? oldest : first, n = 0; n < steps && seqBeforeOrEqual(seq, last); seq = seqAdd(seq, 1), n++) {
      const offset = seqDiff(seq, oldest);
      if (resent[offset] === 1) continue;
      const frame = stream.queue.get(seq);
      if (frame === undefined) continue;
      resent[offset] = 1;
      // one first sent as the sender says so, resent by a node that has stepped down since
      transport.sendData(seq, frame.body, peer, frame.asSender === true && stream.role !== 'sender' ? FLAG_FIRST_SENT_AS_SENDER : 0);
      counters.resentFrames++;
    }
  }
  if (skip && receiver.joined && receiver.lapsedThrough !== undefined) {
    // frames it lacks were released while it was silent, and no resync covers them (a resync is
    // scheduled only for frames a live receiver lacks): a SKIP would leave its copy without them
    counters.lapsedResyncs++;
    joinFullResync(stream, deps, peer, receiver);
    return;
  }
  if (skip && receiver.joined && stream.role !== 'sender' && receiver.quietThrough !== undefined && stream.owesHandover(receiver)) {
    // frames it lacks were released while it was quiet (a cut link shorter than the peer
    // timeout), and it asks for them as the sender now that we have stepped down: it sent
    // alongside us, and the repair we owed went with our step-down (endDrain). A SKIP would lose
    // what we served in them; the table kept for it is handed over instead.
    joinFullResync(stream, deps, peer, receiver);
    return;
  }
  const firstRange = ranges[0];
  if (!receiver.joined && firstRange !== undefined) stream.receivers.join(receiver, skip ? oldest : firstRange.from, deps.clock.now());
  if (skip) {
    // Those frames are gone: their content comes back through the targeted resync their
    // eviction scheduled, or through anti-entropy.
    transport.sendControl({ type: 'skip', target: peer, targetEpoch: receiver.epoch, to: oldest }, peer);
    counters.skipsSent++;
  }
}

export function answerSyncRequest(stream: OutboundStream, deps: OutboundDeps, peer: number, scope: BucketScope): void {
  const { counters, transport } = deps;
  counters.resyncRequestsReceived++;
  const receiver = stream.receivers.get(peer);
  if (receiver === undefined) return;
  if (!scope.full) {
    if (stream.role === 'sender') stream.planner.schedule(scope);
    return;
  }
  joinFullResync(stream, deps, peer, receiver);
}

/**
 * Joins `receiver` at the start of a full resync (shared with other joiners while its first frame
 * is still queued). A node that stepped down in this epoch starts none: it joins the receiver at
 * its next sequence number, and the copies its followers keep of it (the table a takeover
 * commits) stay as they are; but a node that keeps its table for a handover (a receiver lacked
 * what it sent as the sender when it stepped down: OutboundStream.becomeReceiver) resends that
 * table whole to such a receiver heard as the sender, so that a sender alongside it behind a cut
 * link merges what it served (OutboundStream.owesHandover). A receiver
 * that never sent starts an empty one, which clears what copies of an earlier epoch of it remain.
 */
function joinFullResync(stream: OutboundStream, deps: OutboundDeps, peer: number, receiver: ReceiverAck): void {
  const job = stream.planner.job;
  const steppedDown = stream.role !== 'sender' && stream.wasSender;
  const handOver = steppedDown && stream.owesHandover(receiver);
  const shared = job?.scope.full === true && (!steppedDown || job.handover === true) && seqAfterOrEqual(job.beginSeq, oldestAvailable(stream));
  if (steppedDown && !handOver) stream.flush();
  const start = steppedDown && !handOver ? seqAdd(stream.lastSeq, 1) : shared ? job.beginSeq : handOver ? stream.startHandover() : stream.startJob(FULL_SCOPE);
  if (handOver && !shared) deps.counters.handovers++;
  stream.receivers.join(receiver, start, deps.clock.now());
  deps.transport.sendControl({ type: 'join', target: peer, targetEpoch: receiver.epoch, start }, peer);
  deps.counters.joinsSent++;
}
