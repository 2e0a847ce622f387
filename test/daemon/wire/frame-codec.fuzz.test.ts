// Fuzzing the frame decoder with a seeded generator (reproducible): random, truncated and
// bit-flipped frames never make it throw, and each is dropped for the reason its damage implies.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../daemon/src/channel/prng.js';
import type { DropReason } from '../../../daemon/src/wire/drop-reason.js';
import { decodeFrame, encodeFrame, sealBody } from '../../../daemon/src/wire/frame-codec.js';
import { FRAME_OVERHEAD, WIRE_VERSION } from '../../../daemon/src/wire/frame-header.js';
import { FrameKeys, MAX_NODE_ID, MIN_NODE_ID } from '../../../daemon/src/wire/keys.js';
import { decodeMessage, encodeMessage } from '../../../daemon/src/wire/message-codec.js';
import { DataBodyBuilder } from '../../../daemon/src/wire/data-body.js';
import { conntrackPacking } from '../../../daemon/src/kernel/record-packing.js';
import { toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { syntheticEntries } from '../kernel/helpers/synthetic-flows.js';
import { GOLDEN_CLUSTER, GOLDEN_KEY, SAMPLES, header } from './samples.js';

const keys = new FrameKeys(GOLDEN_KEY, GOLDEN_CLUSTER);
const frames = Object.entries(SAMPLES).map(([name, message]) => [name, encodeFrame(keys, header(), message)] as const);

function randomBytes(prng: Prng, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = prng.below(256);
  return bytes;
}

/** The drop reason the decoder's checks imply for bytes that cannot authenticate. */
function expectedReason(bytes: Buffer): DropReason {
  if (bytes.length < 3 || bytes[0] !== 0x48 || bytes[1] !== 0x53) return 'malformed';
  if (bytes[2] !== WIRE_VERSION) return 'badVersion';
  if (bytes.length < FRAME_OVERHEAD + 1) return 'malformed';
  if (bytes.readUInt32BE(4) !== GOLDEN_CLUSTER) return 'foreignCluster';
  const nodeId = bytes.readUInt32BE(8);
  if (nodeId < MIN_NODE_ID || nodeId > MAX_NODE_ID) return 'peerLimit';
  return 'forged';
}

describe('frame decoder fuzzing', () => {
  it('never throws on random bytes and names the right reason', () => {
    const prng = new Prng(0xdecade);
    const seen = new Set<DropReason>();
    for (let i = 0; i < 6000; i++) {
      const bytes = randomBytes(prng, prng.below(1600));
      // Bias a share of the inputs past the cheap checks, so every reason is exercised.
      const depth = i % 5;
      if (depth >= 1 && bytes.length >= 3) bytes.set([0x48, 0x53], 0);
      if (depth >= 2 && bytes.length >= 3) bytes[2] = WIRE_VERSION;
      if (depth >= 3 && bytes.length >= 8) bytes.writeUInt32BE(GOLDEN_CLUSTER, 4);
      if (depth >= 4 && bytes.length >= 12) bytes.writeUInt32BE(MIN_NODE_ID + prng.below(MAX_NODE_ID), 8);
      const result = decodeFrame(keys, bytes);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).toBe(expectedReason(bytes));
        seen.add(result.reason);
      }
    }
    expect([...seen].sort()).toEqual(['badVersion', 'foreignCluster', 'forged', 'malformed', 'peerLimit']);
  });

  it.each(frames)('drops every truncation of %s', (_, frame) => {
    for (let length = 0; length < frame.length; length++) {
      const result = decodeFrame(keys, frame.subarray(0, length));
      expect(result).toEqual({ ok: false, reason: length < FRAME_OVERHEAD + 1 ? 'malformed' : 'forged' });
    }
  });

  it.each(frames)('drops every single-bit flip of %s for the reason its position implies', (_, frame) => {
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const damaged = Buffer.from(frame);
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      const byte = bit >> 3;
      const reason: DropReason = byte < 2 ? 'malformed' : byte === 2 ? 'badVersion' : byte >= 4 && byte < 8 ? 'foreignCluster' : expectedReason(damaged);
      expect(decodeFrame(keys, damaged)).toEqual({ ok: false, reason });
    }
  });

  it('decodes random authentic bodies into a message or malformed, never throwing', () => {
    const prng = new Prng(0xb0d1e5);
    let decoded = 0;
    for (let i = 0; i < 20000; i++) {
      const body = randomBytes(prng, 1 + prng.below(i % 2 === 0 ? 12 : 80));
      body[0] = 1 + prng.below(9);
      const result = decodeFrame(keys, sealBody(keys, header(), body));
      if (!result.ok) {
        expect(result.reason).toBe('malformed');
        continue;
      }
      decoded++;
      // Whatever decodes re-encodes to something that decodes to the same message.
      expect(decodeMessage(encodeMessage(result.message))).toEqual(result.message);
    }
    expect(decoded).toBeGreaterThan(20);
  });

  it('reads damaged bodies of packed conntrack records into records or malformed, never throwing', () => {
    const prng = new Prng(0x9acced);
    const builder = new DataBodyBuilder(1424, conntrackPacking);
    for (const entry of syntheticEntries(40)) builder.tryAdd({ kind: 'set', record: toRecord(entry) });
    const body = builder.take();
    const intact = decodeMessage(body, conntrackPacking);
    expect(intact?.type === 'data' ? intact.entries.length : 0).toBeGreaterThan(20);
    let decoded = 0;
    for (let i = 0; i < 20000; i++) {
      const damaged = Buffer.from(body.subarray(0, prng.below(4) === 0 ? 1 + prng.below(body.length) : body.length));
      for (let flips = 1 + prng.below(3); flips > 0; flips--) damaged[1 + prng.below(damaged.length - 1)] = prng.below(256);
      const message = decodeMessage(damaged, conntrackPacking);
      if (message === undefined) continue;
      decoded++;
      // what decodes is whole, canonical records: each packs again, and that form reads back as the same bytes
      if (message.type !== 'data') continue;
      for (const entry of message.entries) {
        if (entry.kind !== 'set') continue;
        const form = Buffer.alloc(300);
        const end = conntrackPacking.pack(entry.record, form, 0);
        expect(end).toBeGreaterThan(0);
        const again = conntrackPacking.unpack(form, 0, end);
        expect(Buffer.from(again?.payload ?? []).equals(Buffer.from(entry.record.payload))).toBe(true);
        expect(Buffer.from(again?.key ?? []).equals(Buffer.from(entry.record.key))).toBe(true);
      }
    }
    expect(decoded).toBeGreaterThan(1000);
  });
});
