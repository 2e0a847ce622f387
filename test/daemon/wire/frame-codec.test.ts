import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, openBody, sealBody } from '../../../daemon/src/wire/frame-codec.js';
import { FRAME_OVERHEAD, HEADER_BYTES, readHeader } from '../../../daemon/src/wire/frame-header.js';
import { deriveFrameKey, FrameKeys, NEW_IDS_PER_SECOND, UNPROVEN_KEYS } from '../../../daemon/src/wire/keys.js';
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
  it('keeps a key only for node ids whose frames prove authentic, however many ids forged frames name', () => {
    let now = 0;
    const keys = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER, () => now);
    const sender = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER);
    const message = Object.values(SAMPLES)[0];
    if (message === undefined) throw new Error('no sample');
    const authentic = encodeFrame(sender, header({ nodeId: 9 }), message);
    expect(openBody(keys, authentic).ok).toBe(true);
    // 5,000 frames under 5,000 node ids in one second, each with a tag that is not the cluster's:
    // the first NEW_IDS_PER_SECOND ids (node 9 took one of this second's) are tried, the others
    // dropped untried
    const reasons = new Map<string, number>();
    for (let id = 1000; id < 6000; id++) {
      const forged = Buffer.from(encodeFrame(sender, header({ nodeId: id }), message));
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
      const opened = openBody(keys, forged);
      const reason = opened.ok ? 'opened' : opened.reason;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    expect(Object.fromEntries(reasons)).toEqual({ forged: NEW_IDS_PER_SECOND - 1, newIdLimit: 5000 - NEW_IDS_PER_SECOND + 1 });
    expect(keys.cached.proven).toBe(1);
    expect(keys.cached.unproven).toBeLessThanOrEqual(UNPROVEN_KEYS);
    // a proven id opens whatever the budget; a new one waits for the next second
    expect(openBody(keys, authentic).ok).toBe(true);
    const newcomer = encodeFrame(sender, header({ nodeId: 5999 }), message);
    expect(openBody(keys, newcomer)).toEqual({ ok: false, reason: 'newIdLimit' });
    now += 999;
    expect(openBody(keys, newcomer)).toEqual({ ok: false, reason: 'newIdLimit' });
    now += 1;
    // a node id first seen forged still opens its authentic frames later, and is kept from then on
    expect(openBody(keys, newcomer).ok).toBe(true);
    expect(keys.cached.proven).toBe(2);
  });

  it('derives the keys HKDF-SHA256 gives, with its extract step done once', () => {
    const keys = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER);
    for (const nodeId of [1, 2, 255, 256, 65535, 0xffffffff]) {
      expect(keys.forNode(nodeId).export().equals(deriveFrameKey(GOLDEN_KEY, GOLDEN_CLUSTER, nodeId)), String(nodeId)).toBe(true);
    }
  });
});
