import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FRAME_BYTES, FrameSplitter, type Frame } from './frame.js';

const frame: Frame = { kind: 'udp', flowId: 1_000_001, seq: 4_294_967_295, sentAt: 1_800_000_000_123.25 };

describe('frame', () => {
  it('round-trips every field in 32 bytes', () => {
    const bytes = encodeFrame(frame);
    expect(bytes.length).toBe(FRAME_BYTES);
    expect(decodeFrame(bytes)).toEqual({ ok: true, frame });
  });

  it('returns a reason instead of throwing for bytes that are not a frame', () => {
    const good = encodeFrame(frame);
    const broken = (at: number, value: number): Buffer => {
      const b = Buffer.from(good);
      b[at] = value;
      return b;
    };
    expect(decodeFrame(good.subarray(0, 31))).toEqual({ ok: false, reason: 'frame of 31 bytes, expected 32' });
    expect(decodeFrame(broken(0, 0x58))).toEqual({ ok: false, reason: 'bad magic' });
    expect(decodeFrame(broken(2, 2))).toEqual({ ok: false, reason: 'unknown frame version 2' });
    expect(decodeFrame(broken(3, 9))).toEqual({ ok: false, reason: 'unknown flow kind 9' });
    expect(decodeFrame(broken(31, 1))).toEqual({ ok: false, reason: 'non-zero padding' });
  });
});

describe('FrameSplitter', () => {
  it('cuts a byte stream into frames whatever the chunk boundaries, keeping the tail', () => {
    const frames = [0, 1, 2].map((seq) => encodeFrame({ ...frame, seq }));
    const stream = Buffer.concat(frames);
    const splitter = new FrameSplitter();
    const out = [...splitter.push(stream.subarray(0, 5)), ...splitter.push(stream.subarray(5, 70)), ...splitter.push(stream.subarray(70))];
    expect(out.map((b) => Buffer.from(b))).toEqual(frames);
    expect(splitter.push(Buffer.alloc(0))).toEqual([]);
  });
});
