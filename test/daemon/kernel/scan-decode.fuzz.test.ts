// The event path's scanner (ct-scan.ts) against the full decoder (ct-decode.ts) on damaged
// conntrack messages, seeded (reproducible): neither throws, the scanner never takes a message the
// decoder refuses, and whatever it takes makes the record the decoder's entry makes, byte for byte,
// which packs and unpacks unchanged. The flow filter judges both alike.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { CtScan } from '../../../daemon/src/kernel/codec/ct-scan.js';
import { decodeConntrackAttrs, familyOf } from '../../../daemon/src/kernel/codec/ct-decode.js';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { buildFlowFilter } from '../../../daemon/src/kernel/flow-filter.js';
import { toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { conntrackPacking } from '../../../daemon/src/kernel/record-packing.js';
import { scanRecord } from '../../../daemon/src/kernel/scan-record.js';
import type { FlowRecord } from '../../../daemon/src/model/record.js';
import { MAX_PACKED_BYTES } from '../../../daemon/src/model/record-packing.js';
import { SAMPLE_ENTRIES } from './helpers/sample-entries.js';
import { syntheticEntries } from './helpers/synthetic-flows.js';

const bytesOf = (record: FlowRecord) => ({ key: Buffer.from(record.key).toString('hex'), payload: Buffer.from(record.payload).toString('hex'), stateHash: record.stateHash });

/** What a JavaScript exception turned into a failed result by guard() reads like. */
const EXCEPTION = /out of range|outside (the )?buffer bounds|Cannot read|is not a function|is not iterable|undefined|NaN/;

/** Real-shaped attribute bytes: the payloads of the sample and synthetic entries (after the 4-byte payload head). */
const tcp = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
const seeds = [
  ...Object.values(SAMPLE_ENTRIES),
  ...syntheticEntries(8),
  ...syntheticEntries(4, { proto: 'udp' }),
  // zones of one direction (they skip packing: its flags have no room for the direction)
  { ...tcp, labels: [], zone: 0, orig: { ...tcp.orig, zone: 5 } },
  { ...tcp, labels: [], zone: 0, reply: { ...tcp.reply, zone: 6 } },
  // and both kinds at once, which the kernel never reports
  { ...tcp, labels: [], zone: 3, orig: { ...tcp.orig, zone: 5 } },
].map((entry) => Buffer.from(toRecord(entry).payload));

/** Offsets of every attribute header in bytes[start, end), nested ones too (a payload that reads as attributes whole). */
function attributeHeads(bytes: Buffer, start: number, end: number, depth = 0): number[] {
  const heads: number[] = [];
  for (let at = start; at + 4 <= end; ) {
    const length = bytes.readUInt16LE(at);
    if (length < 4 || at + length > end) return depth === 0 ? heads : [];
    heads.push(at);
    if (depth < 3 && length > 4) {
      const inner = attributeHeads(bytes, at + 4, at + length, depth + 1);
      if (inner.length > 0) heads.push(...inner);
    }
    at += (length + 3) & ~3;
  }
  return heads;
}

/** One damaged copy: bytes flipped, the message cut short, an attribute header rewritten, or a part repeated. */
function damage(prng: Prng, seed: Buffer): Buffer {
  let bytes = Buffer.from(seed);
  for (let steps = 1 + prng.below(3); steps > 0; steps--) {
    const at = 4 + prng.below(Math.max(1, bytes.length - 4));
    switch (prng.below(4)) {
      case 0:
        bytes[at] = prng.below(256);
        break;
      case 1:
        bytes = bytes.subarray(0, at);
        break;
      case 2: {
        // an attribute's length (empty, short, one more or less word) or type (NLA_F_NESTED,
        // NLA_F_NET_BYTEORDER flipped), at any depth
        const heads = attributeHeads(bytes, 4, bytes.length);
        const head = heads[prng.below(heads.length)];
        if (head === undefined) break;
        const length = bytes.readUInt16LE(head);
        if (prng.below(3) === 0) bytes.writeUInt16LE((bytes.readUInt16LE(head + 2) ^ (prng.below(2) === 0 ? 0x8000 : 0x4000)) & 0xffff, head + 2);
        else bytes.writeUInt16LE([4, 5, 6, 8, length - 4, length + 4, prng.below(64)][prng.below(7)] as number & 0xffff, head);
        break;
      }
      default: {
        const start = at - ((at - 4) % 4);
        const length = 4 * (1 + prng.below(6));
        bytes = Buffer.concat([bytes.subarray(0, start), bytes.subarray(start, start + length), bytes.subarray(start)]);
      }
    }
  }
  return bytes;
}

function packedBack(record: FlowRecord): FlowRecord | undefined {
  const target = Buffer.alloc(MAX_PACKED_BYTES + 8);
  const end = conntrackPacking.pack(record, target, 0);
  return end < 0 ? record : conntrackPacking.unpack(target, 0, end);
}

describe('scanner against decoder', () => {
  it('agree on every damaged message, and neither throws', () => {
    const prng = new Prng(0x5ca9de);
    const filter = buildFlowFilter({ ignoreAddresses: ['192.0.2.10', '2001:db8::/48'], tcpStates: ['ESTABLISHED', 'TIME_WAIT'] });
    let taken = 0;
    let refused = 0;
    for (let i = 0; i < 60_000; i++) {
      const seed = seeds[i % seeds.length] as Buffer;
      const bytes = i < seeds.length ? seed : damage(prng, seed);
      const family = familyOf(bytes[1] as number);
      if (family === undefined) throw new Error('a seed of no known family');
      const scan = new CtScan();
      const scanned = scan.attributes(bytes, 4, bytes.length, bytes[1] as number);
      const decoded = decodeConntrackAttrs(bytes, 4, bytes.length, family);
      if (!decoded.ok) expect(decoded.error, `input ${i}: ${bytes.toString('hex')}`).not.toMatch(EXCEPTION);
      if (!scanned) {
        refused++;
        continue;
      }
      taken++;
      expect(decoded.ok, `the scanner took what the decoder refused, input ${i}: ${bytes.toString('hex')}`).toBe(true);
      if (!decoded.ok) continue;
      const fast = scanRecord(scan);
      expect(bytesOf(fast), `input ${i}: ${bytes.toString('hex')}`).toEqual(bytesOf(toRecord(decoded.value)));
      expect(filter.acceptsScan(scan), `input ${i}`).toBe(filter.acceptsEntry(decoded.value));
      expect(filter.scanLeavesByState(scan), `input ${i}`).toBe(filter.leavesByState(decoded.value));
      const back = packedBack(fast);
      expect(back && bytesOf(back), `packing of input ${i}`).toEqual(bytesOf(fast));
    }
    // the damage reaches deep enough: many damaged messages still scan, many do not
    expect(taken).toBeGreaterThan(5_000);
    expect(refused).toBeGreaterThan(5_000);
  });
});
