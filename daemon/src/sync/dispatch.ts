// Routes an authentic, admitted message: data and stream control to the peer's receiving stream,
// acknowledgements and requests addressed to us to our sending stream. Targeted messages for
// another node (multicast delivers everything to everyone) or for an earlier epoch of ours are
// ignored. Every frame's header sequence number tells how far its sender's stream goes.
import type { FrameHeader } from '../wire/frame-header.js';
import { FLAG_ACK_REQUEST, FLAG_FIRST_SENT_AS_SENDER, sentAs } from '../wire/frame-header.js';
import type { Message } from '../wire/messages.js';
import type { Peer } from './peer-table.js';
import { seqAdd, seqAfter } from './serial.js';
import type { SyncNode } from './sync-node.js';

/**
 * Whether an authentic message contradicts its own frame's header: a JOIN or SKIP names where
 * the stream goes on, which is never past the header's last sequence number + 1 (the sender
 * seals both at once: receiver-requests.ts). Followed, such a number (a corrupt or hostile
 * frame) made every later frame of the stream a duplicate: replication to this node stopped for
 * good (review). Dropped as malformed.
 */
export function contradictsHeader(header: FrameHeader, message: Message): boolean {
  if (message.type === 'join') return seqAfter(message.start, seqAdd(header.seq, 1));
  if (message.type === 'skip') return seqAfter(message.to, seqAdd(header.seq, 1));
  return false;
}

export function dispatchMessage(node: SyncNode, peer: Peer, header: FrameHeader, message: Message): void {
  const inbound = peer.inbound;
  const ackRequested = (header.flags & FLAG_ACK_REQUEST) !== 0;
  const role = sentAs(header.flags);
  // any frame of a sender ends a repair we owed from our last table as a sender (below)
  if (role === 'sender') node.outbound.endDrain(peer.nodeId);
  if (message.type === 'data') {
    // a frame sent as a receiver (a late resend, a repair it owed) is no sign it still sends
    if (peer.role === 'sender' && role !== 'receiver') peer.senderUntil = peer.lastHeard;
    // sent as the sender after its latest role word, which said it was not: that HELLO was lost
    else if (role === 'sender' && header.counter > peer.roleCounter) peer.sentAsSenderAt ??= peer.lastHeard;
    // a late frame of a peer that stepped down, first sent as the sender: perhaps alongside us
    if (role === 'receiver' && (header.flags & FLAG_FIRST_SENT_AS_SENDER) !== 0) node.lateFrameAsSender(peer, header.seq);
    // still the sender, as we are, though we stopped counting it so (it went silent: a cut link)
    else if (node.role === 'sender' && role === 'sender' && peer.role === 'sender' && peer.alongsideSince === undefined) node.frameAsSender(peer);
    inbound.onData(header.seq, message.entries, ackRequested, header.counter, role);
    return;
  }
  // a control frame's header carries the origin's last sequence number as it sealed the frame;
  // with the newest counter heard, no frame it sent since has come
  const newest = header.counter === peer.window.newest;
  if (message.type === 'alive' || message.type === 'hello') {
    // a role word older than the one already heard (reordered, delayed) is out of date
    if (header.counter > peer.roleCounter) takeRole(node, peer, header, message);
    inbound.onLastSeq(header.seq, ackRequested, header.counter, newest);
    return;
  }
  if (message.target !== node.config.nodeId || message.targetEpoch !== node.config.bootEpoch) {
    inbound.onLastSeq(header.seq, ackRequested, header.counter, newest);
    return;
  }
  switch (message.type) {
    case 'ack':
      node.outbound.onAck(peer.nodeId, message.upTo);
      break;
    case 'nack':
      node.outbound.onNack(peer.nodeId, message.ranges);
      break;
    case 'syncRequest':
      node.outbound.onSyncRequest(peer.nodeId, message.scope);
      break;
    case 'join':
      inbound.onJoin(message.start);
      break;
    case 'skip':
      inbound.onSkip(message.to);
      break;
  }
  inbound.onLastSeq(header.seq, ackRequested, header.counter, newest);
}

/** An ALIVE's or HELLO's word on the peer's role, newer than the last one taken. */
function takeRole(node: SyncNode, peer: Peer, header: FrameHeader, message: Extract<Message, { type: 'alive' | 'hello' }>): void {
  peer.roleCounter = header.counter;
  const sentAsSenderAt = peer.sentAsSenderAt;
  peer.sentAsSenderAt = undefined;
  // a receiver turned sender says so in a HELLO sent just before its own full resync: what it
  // resynced to us before holds not the table it serves now. Only the HELLO's number tells
  // where that resync begins (a later ALIVE's is past it); missed, the gate judges as before.
  if (message.type === 'hello' && message.role === 'sender' && peer.role === 'receiver') peer.inbound.becameSender(header.seq);
  peer.role = message.role;
  if (message.role === 'sender') {
    // a repair we owed from our last table as a sender is the new sender's business now
    node.outbound.endDrain(peer.nodeId);
    peer.senderSince ??= { at: peer.lastHeard, seq: header.seq };
    peer.senderUntil = peer.lastHeard;
    // since its first frame as the sender, if that came before this word (its HELLO lost)
    if (node.role === 'sender') peer.alongsideSince ??= Math.min(node.config.clock.now(), sentAsSenderAt ?? Number.POSITIVE_INFINITY);
  } else {
    // it sent as the sender alongside us, and stopped, with no word of ours on it (its HELLO and
    // ALIVEs lost, a cut link healing): what came since may be late (resends, a handover)
    if (node.role === 'sender' && sentAsSenderAt !== undefined && peer.alongsideSince === undefined) {
      peer.alongsideSince = sentAsSenderAt;
      peer.alongsideLate = true;
    } else if (node.role === 'sender' && sentAsSenderAt !== undefined && peer.alongsideLate && sentAsSenderAt < (peer.alongsideSince ?? 0)) {
      // a late frame of its came first (reordered): the overlap began with its first frame as the sender
      peer.alongsideSince = sentAsSenderAt;
    }
    peer.senderSince = undefined;
    peer.lastReceiverSeq = header.seq;
  }
}
