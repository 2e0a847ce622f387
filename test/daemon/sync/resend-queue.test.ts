import { describe, expect, it } from 'vitest';
import { ResendQueue } from '../../../daemon/src/sync/resend-queue.js';
import { seqAdd } from '../../../daemon/src/sync/serial.js';

const frame = (seq: number) => ({ seq, body: Buffer.from([seq & 0xff]), buckets: [seq % 7], full: false });

describe('ResendQueue', () => {
  it('finds frames by sequence number across the wrap and trims through an ack', () => {
    const queue = new ResendQueue(8);
    const start = 0xfffffffd;
    for (let i = 0; i < 6; i++) queue.push(frame(seqAdd(start, i)));
    expect(queue.get(0xffffffff)?.seq).toBe(0xffffffff);
    expect(queue.get(2)?.seq).toBe(2);
    expect(queue.get(3)).toBeUndefined();
    expect(queue.get(0xfffffffc)).toBeUndefined();
    expect(queue.trimThrough(0)).toBe(4);
    expect(queue.oldest?.seq).toBe(1);
    expect(queue.length).toBe(2);
  });

  it('pushes the oldest frame out when full and hands it back', () => {
    const queue = new ResendQueue(3);
    expect(queue.push(frame(1))).toBeUndefined();
    queue.push(frame(2));
    queue.push(frame(3));
    expect(queue.push(frame(4))?.seq).toBe(1);
    expect(queue.length).toBe(3);
    expect(queue.get(1)).toBeUndefined();
    expect(queue.get(4)?.seq).toBe(4);
    queue.clear();
    expect(queue.length).toBe(0);
    expect(queue.oldest).toBeUndefined();
  });
});
