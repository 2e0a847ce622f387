import { describe, expect, it } from 'vitest';
import { controlFrame, dataFrame, FrameReader, PumpControl } from '../../../daemon/src/kernel/pump-frames.js';

describe('event pump framing', () => {
  it('reassembles datagrams and control frames however the stream is split', () => {
    const datagrams = [Buffer.from('first datagram'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from([1, 2, 3])];
    const stream = Buffer.concat([controlFrame(PumpControl.ready, 8_388_608), ...datagrams.map(dataFrame), controlFrame(PumpControl.overrun, 2)]);
    for (const step of [1, 3, 7, 4096, stream.length]) {
      const seen: unknown[] = [];
      const reader = new FrameReader({
        datagram: (buf) => seen.push(Buffer.from(buf).toString('hex')),
        control: (code, value) => seen.push([code, value]),
      });
      for (let at = 0; at < stream.length; at += step) reader.push(stream.subarray(at, at + step));
      expect(seen).toEqual([[PumpControl.ready, 8_388_608], ...datagrams.map((d) => d.toString('hex')), [PumpControl.overrun, 2]]);
      expect(reader.buffered).toBe(0);
    }
  });

  it('holds back an incomplete frame', () => {
    const reader = new FrameReader({ datagram: () => expect.fail('no complete frame yet'), control: () => expect.fail('no control frame') });
    reader.push(dataFrame(Buffer.from('abcdef')).subarray(0, 7));
    expect(reader.buffered).toBe(7);
  });
});
