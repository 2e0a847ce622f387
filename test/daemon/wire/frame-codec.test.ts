import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, openBody, sealBody } from '../../../daemon/src/wire/frame-codec.js';
import { FRAME_OVERHEAD, HEADER_BYTES, readHeader } from '../../../daemon/src/wire/frame-header.js';
import { deriveFrameKey, FrameKeys, MAX_NODE_ID } from '../../../daemon/src/wire/keys.js';
import { encodeMessage } from '../../../daemon/src/wire/message-codec.js';
import { GOLDEN_CLUSTER, GOLDEN_KEY, SAMPLES, fromHexLines, header, toHexLines } from './samples.js';

const keys = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER);
const golden = (name: string): string => fileURLToPath(new URL(`golden/${name}.hex`, import.meta.url));

describe('frame codec', () => {
  it.each(Object.entries(SAMPLES))('round-trips %s', (_, message) => {
    const frame = encodeFrame(keys, header(), message);
    const decoded = decodeFrame(keys, frame);
    expect(decoded).toEqual({ ok: true, header: header(), message });
  });

  it.each(Object.entries(SAMPLES))('matches the golden frame %s', (name, message) => {
    const frame = encodeFrame(keys, header(), message);
    const path = golden(name);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
      if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`missing golden ${path}: run with UPDATE_GOLDEN=1`);
      writeFileSync(path, toHexLines(frame));
    }
    expect(toHexLines(frame)).toBe(readFileSync(path, 'utf8'));
    // The golden bytes decode back to the sample (the file is not just whatever we wrote).
    expect(decodeFrame(keys, fromHexLines(readFileSync(path, 'utf8')))).toEqual({ ok: true, header: header(), message });
  });

  it('lays out the header in network order, in clear, and encrypts the body', () => {
    const message = SAMPLES['data-records']!;
    const frame = encodeFrame(keys, header({ flags: 1 }), message);
    expect(frame.subarray(0, 4)).toEqual(Buffer.from([0x48, 0x53, 3, 1]));
    expect(frame.readUInt32BE(4)).toBe(GOLDEN_CLUSTER);
    expect(readHeader(frame)).toEqual(header({ flags: 1 }));
    expect(frame.length).toBe(FRAME_OVERHEAD + encodeMessage(message).length);
    expect(frame.includes(Buffer.from('payload one'))).toBe(false);
  });

  it('gives a different ciphertext for every frame counter (nonce) and node (key)', () => {
    const message = SAMPLES.alive!;
    const a = encodeFrame(keys, header({ counter: 1 }), message).subarray(HEADER_BYTES);
    const b = encodeFrame(keys, header({ counter: 2 }), message).subarray(HEADER_BYTES);
    const c = encodeFrame(keys, header({ counter: 1, nodeId: 3 }), message).subarray(HEADER_BYTES);
    expect(a.equals(b)).toBe(false);
    expect(a.equals(c)).toBe(false);
  });

  it('rejects frames sealed with another cluster key as forged', () => {
    const other = new FrameKeys(Buffer.alloc(32, 9), GOLDEN_CLUSTER);
    const frame = encodeFrame(other, header(), SAMPLES.hello!);
    expect(decodeFrame(keys, frame)).toEqual({ ok: false, reason: 'forged' });
  });

  it('names foreign clusters and other wire versions', () => {
    const foreign = encodeFrame(new FrameKeys(GOLDEN_KEY, 99), header({ clusterId: 99 }), SAMPLES.hello!);
    expect(decodeFrame(keys, foreign)).toEqual({ ok: false, reason: 'foreignCluster' });
    // version 1, before packed sets, and 2, before their extension byte (an upgraded node's
    // frames are dropped by an old one the same way)
    for (const version of [1, 2, 4]) {
      const other = encodeFrame(keys, header({ version }), SAMPLES.hello!);
      expect(decodeFrame(keys, other)).toEqual({ ok: false, reason: 'badVersion' });
    }
  });

  it.each([
    ['an unknown message type', '63'],
    ['a data frame without entries', '01'],
    ['a truncated set entry', '010101000d0102'],
    ['an unknown table', '0101030001' + '01' + '0000000000000000' + '0000'],
    ['a trailing byte after an ALIVE', '040100'],
    ['an unknown role', '0402'],
    ['a NACK with no ranges', '030000000300000001' + '00'],
    ['an unsorted bucket list', '06' + '00000001' + '0000002a' + '01' + '0002' + '0005' + '0001'],
    ['a bucket bitmap longer than its input', '06' + '00000001' + '0000002a' + '02' + '0010' + 'ff'],
    ['a digest past the last bucket', '01' + '05' + '0a' + '03ff' + '0002' + '00'.repeat(16)],
  ])('calls an authentic frame with %s malformed', (_, hex) => {
    const frame = sealBody(keys, header(), Buffer.from(hex, 'hex'));
    expect(openBody(keys, frame).ok).toBe(true);
    expect(decodeFrame(keys, frame)).toEqual({ ok: false, reason: 'malformed' });
  });
  it('opens a node never heard before in a flood of forged frames under ever new ids, deriving each id\'s key once', () => {
    const keys = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER);
    const sender = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER);
    const message = Object.values(SAMPLES)[0];
    if (message === undefined) throw new Error('no sample');
    const forged = (id: number): Buffer => {
      const frame = Buffer.from(encodeFrame(sender, header({ nodeId: 9 }), message));
      frame.writeUInt32BE(id >>> 0, 8);
      frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 1; // the tag no longer matches
      return frame;
    };
    // every id a frame can name, 0 and past 65535 too, twice over, and among them every 500th
    // frame an authentic one of a node this one never heard (as after its own restart)
    const reasons = new Map<string, number>();
    let authentic = 0;
    for (const round of [1, 2]) {
      for (let id = 0; id < 70_000; id++) {
        const opened = openBody(keys, forged(id));
        reasons.set(opened.ok ? 'opened' : opened.reason, (reasons.get(opened.ok ? 'opened' : opened.reason) ?? 0) + 1);
        if (id % 500 === 0) {
          const frame = encodeFrame(sender, header({ nodeId: 2, counter: round * 1000 + id / 500 }), message);
          if (openBody(keys, frame).ok) authentic++;
        }
      }
    }
    expect(authentic, 'the new node\'s frames all open').toBe(2 * 140);
    expect(Object.fromEntries(reasons)).toEqual({ forged: 2 * MAX_NODE_ID, peerLimit: 2 * (70_000 - MAX_NODE_ID) });
    // ids outside what half.conf can give have no key; the others one each, derived once
    expect(keys.cached).toEqual({ proven: 1, derived: MAX_NODE_ID });
    expect(openBody(keys, forged(0xffffffff))).toEqual({ ok: false, reason: 'peerLimit' });
  });

  it('derives the keys HKDF-SHA256 gives, with its extract step done once', () => {
    const keys = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER);
    for (const nodeId of [1, 2, 255, 256, 257, 65535, 0xffffffff]) {
      expect(keys.forNode(nodeId).export().equals(deriveFrameKey(GOLDEN_KEY, GOLDEN_CLUSTER, nodeId)), String(nodeId)).toBe(true);
    }
    // other key lengths and cluster ids, and the key bytes a frame of an id not yet proven opens with
    for (let i = 0; i < 200; i++) {
      const clusterKey = randomBytes(16 + ((i * 37) % 301));
      const clusterId = randomBytes(4).readUInt32BE(0);
      const nodeId = 1 + (randomBytes(2).readUInt16BE(0) % MAX_NODE_ID);
      const expected = deriveFrameKey(clusterKey, clusterId, nodeId);
      const derived = new FrameKeys(clusterKey, clusterId);
      expect(Buffer.from(derived.toOpen(nodeId) as Buffer).equals(expected), `key of ${clusterKey.length} bytes, cluster ${clusterId}, node ${nodeId}`).toBe(true);
      expect(derived.forNode(nodeId).export().equals(expected)).toBe(true);
    }
    expect(keys.forNode(0).export().equals(deriveFrameKey(GOLDEN_KEY, GOLDEN_CLUSTER, 0))).toBe(true);
    expect(keys.toOpen(0)).toBeUndefined();
  });
});
