// dispatchMessage and the role a frame's header says its node sent it in (flag bits 2 and 3):
// a data frame a peer sent as a receiver (a late resend after its step-down, a repair it owed)
// is no sign that the peer still sends, even while this node has not yet heard it step down
// (its HELLO lost); a frame sent as the sender ends a repair this node owed as a former sender.
// An ALIVE or HELLO older (by frame counter) than the last one heard says nothing of the role.
import { describe, expect, it } from 'vitest';
import { dispatchMessage } from '../../../daemon/src/sync/dispatch.js';
import type { Peer } from '../../../daemon/src/sync/peer-table.js';
import type { SyncNode } from '../../../daemon/src/sync/sync-node.js';
import type { FrameHeader } from '../../../daemon/src/wire/frame-header.js';
import { roleFlag } from '../../../daemon/src/wire/frame-header.js';
import type { Role } from '../../../daemon/src/wire/messages.js';

function setup() {
  const calls: string[] = [];
  const node = { role: 'sender', config: { nodeId: 2, bootEpoch: 7, clock: { now: () => 1_000 } }, outbound: { endDrain: () => calls.push('endDrain'), onNack: () => undefined }, frameAsSender: () => calls.push('frameAsSender') } as unknown as SyncNode;
  const onData: (Role | undefined)[] = [];
  const peer = {
    nodeId: 1, role: 'sender', roleCounter: -1, lastHeard: 900, senderUntil: 500, window: { newest: 20 },
    inbound: { onData: (_seq: number, _entries: unknown, _ack: boolean, _counter: number, sentAs?: Role) => onData.push(sentAs), onLastSeq: () => undefined, becameSender: () => calls.push('becameSender') },
  } as unknown as Peer;
  const header = (flags: number, counter = 20): FrameHeader => ({ version: 3, flags, clusterId: 1, nodeId: 1, bootEpoch: 3, seq: 10, counter });
  return { node, peer, calls, onData, header };
}

describe('dispatchMessage and the role a frame was sent in', () => {
  it('a data frame sent as a receiver does not extend the time its peer counts as the sender', () => {
    const { node, peer, onData, header } = setup();
    dispatchMessage(node, peer, header(roleFlag('receiver')), { type: 'data', entries: [] });
    expect(peer.senderUntil).toBe(500);
    expect(onData).toEqual(['receiver']);
  });

  it('a data frame sent as the sender, or by a node that does not say, does', () => {
    for (const flags of [roleFlag('sender'), 0]) {
      const { node, peer, onData, header } = setup();
      dispatchMessage(node, peer, header(flags), { type: 'data', entries: [] });
      expect(peer.senderUntil).toBe(900);
      expect(onData).toEqual([flags === 0 ? undefined : 'sender']);
    }
  });

  it('any frame sent as the sender ends a repair this node owed as a former sender', () => {
    const { node, peer, calls, header } = setup();
    dispatchMessage(node, peer, header(roleFlag('sender')), { type: 'nack', target: 2, targetEpoch: 7, ranges: [] });
    expect(calls).toEqual(['endDrain']);
    const other = setup();
    dispatchMessage(other.node, other.peer, other.header(roleFlag('receiver')), { type: 'nack', target: 2, targetEpoch: 7, ranges: [] });
    expect(other.calls).toEqual([]);
  });

  it('an ALIVE or HELLO delivered after a newer one leaves the role the newer one gave', () => {
    const { node, peer, calls, header } = setup();
    dispatchMessage(node, peer, header(roleFlag('receiver'), 30), { type: 'hello', role: 'receiver' });
    expect(peer.role).toBe('receiver');
    calls.length = 0;
    // the peer's last ALIVE as the sender, sent before that HELLO, delayed
    dispatchMessage(node, peer, header(roleFlag('sender'), 25), { type: 'alive', role: 'sender' });
    expect(peer.role).toBe('receiver');
    expect(peer.senderSince).toBeUndefined();
    expect(peer.senderUntil).toBe(500);
    // the repair this node owed is over all the same (a frame sent as the sender)
    expect(calls).toEqual(['endDrain']);
    // a late HELLO as the sender does not restart the gate of a sender's resync either
    dispatchMessage(node, peer, header(roleFlag('sender'), 29), { type: 'hello', role: 'sender' });
    expect(calls).not.toContain('becameSender');
    expect(peer.role).toBe('receiver');
    dispatchMessage(node, peer, header(roleFlag('sender'), 31), { type: 'hello', role: 'sender' });
    expect(calls).toContain('becameSender');
    expect(peer.role).toBe('sender');
    expect(peer.senderUntil).toBe(900);
  });
});
