// ReceiverAcks: which receivers may lack frames we sent, the question a stepping-down node asks
// before it lets its table go (OutboundStream.becomeReceiver keeps it for a handover).
import { describe, expect, it } from 'vitest';
import { lacks, ReceiverAcks } from '../../../daemon/src/sync/receiver-acks.js';

describe('ReceiverAcks.lacking', () => {
  it('counts a receiver heard that never joined our stream as lacking all of it, silent or not', () => {
    const acks = new ReceiverAcks(3000);
    const receiver = acks.heard(2, 7, 1000, 40, 'sender');
    // its ALIVE said 40: that is its own stream's sequence, not how far it follows ours
    expect(receiver.joined).toBe(false);
    expect(lacks(receiver, 10)).toBe(true);
    expect(acks.lacking(10)).toBe(true);
    acks.join(receiver, 5, 1000);
    receiver.ackedUpTo = 10;
    expect(lacks(receiver, 10), 'joined, and has acknowledged all').toBe(false);
    expect(acks.lacking(10)).toBe(false);
    expect(lacks(receiver, 11)).toBe(true);
    expect(acks.lacking(11)).toBe(true);
  });

  it('keeps the table for such a receiver heard as the sender since the step-down, not for one heard as a receiver, nor for one started since', () => {
    const acks = new ReceiverAcks(3000);
    acks.heard(2, 7, 1000, 40, 'sender');
    const known = acks.known();
    expect(acks.lackingMaybeAlongside(10, 500, known)).toBe(true);
    acks.heard(2, 7, 1200, 41, 'receiver');
    expect(acks.lackingMaybeAlongside(10, 500, known)).toBe(false);
    // its daemon restarted (a new boot epoch) and it sends: it cannot have sent alongside us
    acks.heard(2, 8, 1300, 1, 'sender');
    expect(acks.lackingMaybeAlongside(10, 500, known)).toBe(false);
    expect(acks.lackingMaybeAlongside(10, 500, acks.known())).toBe(true);
  });
});
