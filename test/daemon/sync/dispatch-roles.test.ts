// dispatchMessage and the role a frame's header says its node sent it in (flag bits 2 and 3):
// a data frame a peer sent as a receiver (a late resend after its step-down, a repair it owed)
// is no sign that the peer still sends, even while this node has not yet heard it step down
// (its HELLO lost); a frame sent as the sender ends a repair this node owed as a former sender.
import { describe, expect, it } from 'vitest';
import { dispatchMessage } from '../../../daemon/src/sync/dispatch.js';
import type { Peer } from '../../../daemon/src/sync/peer-table.js';
import type { SyncNode } from '../../../daemon/src/sync/sync-node.js';
import type { FrameHeader } from '../../../daemon/src/wire/frame-header.js';
import { roleFlag } from '../../../daemon/src/wire/frame-header.js';
import type { Role } from '../../../daemon/src/wire/messages.js';

function setup() {
  const calls: string[] = [];
  const node = { role: 'sender', config: { nodeId: 2, bootEpoch: 7, clock: { now: () => 1_000 } }, outbound: { endDrain: () => calls.push('endDrain'), onNack: () => undefined } } as unknown as SyncNode;
  const onData: (Role | undefined)[] = [];
  const peer = {
    nodeId: 1, role: 'sender', lastHeard: 900, senderUntil: 500,
    inbound: { onData: (_seq: number, _entries: unknown, _ack: boolean, _counter: number, sentAs?: Role) => onData.push(sentAs), onLastSeq: () => undefined },
  } as unknown as Peer;
  const header = (flags: number): FrameHeader => ({ version: 3, flags, clusterId: 1, nodeId: 1, bootEpoch: 3, seq: 10, counter: 20 });
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
});
