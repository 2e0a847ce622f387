// Test helper (not a test): one sample of every message type and entry kind, with fixed headers,
// for round trips, golden frames and the fuzzer.
import { Table } from '../../../daemon/src/model/record.js';
import { WIRE_VERSION, type FrameHeader } from '../../../daemon/src/wire/frame-header.js';
import type { Message } from '../../../daemon/src/wire/messages.js';

export const GOLDEN_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
export const GOLDEN_CLUSTER = 0x48414c46;

export function header(overrides: Partial<FrameHeader> = {}): FrameHeader {
  return { version: WIRE_VERSION, flags: 0, clusterId: GOLDEN_CLUSTER, nodeId: 2, bootEpoch: 1_760_000_000, seq: 0xfffffff0, counter: 2 ** 40 + 5, ...overrides };
}

const key = (n: number): Uint8Array => Uint8Array.from({ length: 13 }, (_, i) => (n * 31 + i) & 0xff);

export const SAMPLES: Record<string, Message> = {
  'data-records': {
    type: 'data',
    entries: [
      { kind: 'set', record: { table: Table.conntrack, key: key(1), payload: new TextEncoder().encode('payload one'), stateHash: 0x0123456789abcdefn } },
      { kind: 'set', record: { table: Table.expectation, key: key(2), payload: new Uint8Array(0), stateHash: 0xffffffffffffffffn } },
      { kind: 'delete', table: Table.conntrack, key: key(3) },
    ],
  },
  'data-resync': {
    type: 'data',
    entries: [
      { kind: 'resyncBegin', job: 7, scope: { full: true } },
      { kind: 'resyncBegin', job: 8, scope: { full: false, buckets: [1, 5, 900] } },
      { kind: 'resyncEnd', job: 8, scope: { full: false, buckets: Array.from({ length: 300 }, (_, i) => i * 3) } },
      { kind: 'resyncEnd', job: 7, scope: { full: true } },
      { kind: 'digest', bucketBits: 10, firstBucket: 1020, digests: [0n, 1n, 0x8000000000000000n, 0xfedcba9876543210n] },
    ],
  },
  ack: { type: 'ack', target: 3, targetEpoch: 1_760_000_100, upTo: 0xffffffff },
  nack: { type: 'nack', target: 3, targetEpoch: 1_760_000_100, ranges: [{ from: 0xfffffffe, to: 2 }, { from: 10, to: 10 }] },
  alive: { type: 'alive', role: 'sender' },
  hello: { type: 'hello', role: 'receiver' },
  'sync-request-full': { type: 'syncRequest', target: 1, targetEpoch: 42, scope: { full: true } },
  'sync-request-buckets': { type: 'syncRequest', target: 1, targetEpoch: 42, scope: { full: false, buckets: [0, 1023] } },
  join: { type: 'join', target: 9, targetEpoch: 77, start: 0xfffffc17 },
  skip: { type: 'skip', target: 9, targetEpoch: 77, to: 5 },
};

/** Bytes as hex, 32 bytes per line (golden files are text, so diffs are reviewable). */
export function toHexLines(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.match(/.{1,64}/g)?.join('\n') ?? ''}\n`;
}

export function fromHexLines(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}
