import { describe, expect, it } from 'vitest';
import { controlFrame, dataFrame, FrameReader, PumpControl } from '../../../daemon/src/kernel/pump-frames.js';

describe('event pump framing', () => {
  it('reassembles datagrams and control frames however the stream is split', () => {
    const datagrams = [Buffer.from('first datagram'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from([1, 2, 3])];
    const stream = Buffer.concat([controlFrame(PumpControl.ready, 8_388_608), ...datagrams.map(dataFrame), controlFrame(PumpControl.overrun, 2)]);
    for (const step of [1, 2, 3, 5, 7, 13, 4096, 65_536, stream.length]) {
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

  it('completes a frame split at any byte, holding back a copy of its first part', () => {
    const datagrams = Array.from({ length: 6 }, (_, i) => Buffer.alloc(30 + i * 11, i + 1));
    const stream = Buffer.concat([...datagrams.slice(0, 3).map(dataFrame), controlFrame(PumpControl.echoes, 9), ...datagrams.slice(3).map(dataFrame)]);
    for (let cut = 1; cut < stream.length; cut++) {
      const seen: string[] = [];
      const controls: number[][] = [];
      const reader = new FrameReader({ datagram: (buf) => seen.push(buf.toString('hex')), control: (code, value) => controls.push([code, value]) });
      const first = Buffer.from(stream.subarray(0, cut));
      reader.push(first);
      first.fill(0xee); // the stream's chunk is gone after the call: what the reader holds back is its own
      reader.push(Buffer.from(stream.subarray(cut)));
      expect(seen).toEqual(datagrams.map((d) => d.toString('hex')));
      expect(controls).toEqual([[PumpControl.echoes, 9]]);
      expect(reader.buffered).toBe(0);
    }
  });

  it('holds back an incomplete frame', () => {
    const reader = new FrameReader({ datagram: () => expect.fail('no complete frame yet'), control: () => expect.fail('no control frame') });
    reader.push(dataFrame(Buffer.from('abcdef')).subarray(0, 7));
    expect(reader.buffered).toBe(7);
  });
});
