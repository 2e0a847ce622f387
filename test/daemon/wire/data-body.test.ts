import { describe, expect, it } from 'vitest';
import { Table } from '../../../daemon/src/model/record.js';
import { DataBodyBuilder, entryBytes } from '../../../daemon/src/wire/data-body.js';
import { decodeMessage } from '../../../daemon/src/wire/message-codec.js';
import type { StreamEntry } from '../../../daemon/src/wire/messages.js';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { conntrackPacking } from '../../../daemon/src/kernel/record-packing.js';
import { MAX_PACKED_BYTES } from '../../../daemon/src/model/record-packing.js';
import { toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { SAMPLE_ENTRIES } from '../kernel/helpers/sample-entries.js';
import { syntheticEntries } from '../kernel/helpers/synthetic-flows.js';

const set = (n: number, payloadBytes = 100): StreamEntry => ({
  kind: 'set',
  record: { table: Table.conntrack, key: Uint8Array.from({ length: 37 }, (_, i) => (n + i) & 0xff), payload: new Uint8Array(payloadBytes).fill(n & 0xff), stateHash: BigInt(n) },
});

describe('DataBodyBuilder', () => {
  it('packs as many entries as fit the budget, and they all decode', () => {
    const builder = new DataBodyBuilder(1424);
    let added = 0;
    while (builder.tryAdd(set(added))) added++;
    // 1 type byte + n * (14 + 37 + 100) bytes <= 1424.
    expect(added).toBe(Math.floor((1424 - 1) / entryBytes(set(0))));
    const body = builder.take();
    expect(body.length).toBeLessThanOrEqual(1424);
    const message = decodeMessage(body);
    expect(message?.type === 'data' ? message.entries : []).toEqual(Array.from({ length: added }, (_, i) => set(i)));
    expect(builder.count).toBe(0);
  });

  it('refuses an entry larger than the whole budget without writing anything', () => {
    const builder = new DataBodyBuilder(200);
    expect(builder.tryAdd(set(1, 500))).toBe(false);
    expect(builder.count).toBe(0);
    expect(builder.tryAdd(set(2, 10))).toBe(true);
    expect(decodeMessage(builder.take())).toEqual({ type: 'data', entries: [set(2, 10)] });
  });

  it('sizes every entry kind exactly as it encodes', () => {
    const entries: StreamEntry[] = [
      set(3),
      { kind: 'delete', table: Table.expectation, key: new Uint8Array(20) },
      { kind: 'resyncBegin', job: 1, scope: { full: true } },
      { kind: 'resyncEnd', job: 1, scope: { full: false, buckets: [3, 4, 5] } },
      { kind: 'resyncEnd', job: 2, scope: { full: false, buckets: Array.from({ length: 500 }, (_, i) => i) } },
      { kind: 'digest', bucketBits: 10, firstBucket: 0, digests: [1n, 2n, 3n] },
    ];
    for (const entry of entries) {
      const builder = new DataBodyBuilder(4096);
      expect(builder.tryAdd(entry)).toBe(true);
      expect(builder.take().length).toBe(1 + entryBytes(entry));
    }
  });
});

describe('DataBodyBuilder with a record packing', () => {
  const tcp = syntheticEntries(200).map((entry) => ({ kind: 'set', record: toRecord(entry) }) as const);
  // a record with labels: no compact form
  const sctp: StreamEntry = { kind: 'set', record: toRecord(SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry) };
  const hex = (entries: readonly StreamEntry[]) =>
    entries.map((e) => (e.kind === 'set' ? [Buffer.from(e.record.key).toString('hex'), Buffer.from(e.record.payload).toString('hex'), e.record.stateHash] : e));

  it('puts nearly four times as many conntrack sets in a datagram, and a receiver with the packing reads them back byte for byte', () => {
    const plain = new DataBodyBuilder(1424);
    let plainCount = 0;
    while (plain.tryAdd(tcp[plainCount] as StreamEntry)) plainCount++;
    const builder = new DataBodyBuilder(1424, conntrackPacking);
    let added = 0;
    while (builder.tryAdd(tcp[added] as StreamEntry)) added++;
    expect(added).toBeGreaterThanOrEqual(3.5 * plainCount);
    const body = builder.take();
    expect(body.length).toBeLessThanOrEqual(1424);
    const message = decodeMessage(body, conntrackPacking);
    expect(message?.type === 'data' ? hex(message.entries) : []).toEqual(hex(tcp.slice(0, added)));
    // a receiver without the packing cannot read them: the body is malformed, nothing half-read
    expect(decodeMessage(body)).toBeUndefined();
  });

  it('mixes packed sets with records that have no compact form and with other entries', () => {
    const entries: StreamEntry[] = [tcp[0] as StreamEntry, sctp, { kind: 'delete', table: Table.conntrack, key: new Uint8Array(16) }, tcp[1] as StreamEntry];
    const builder = new DataBodyBuilder(1424, conntrackPacking);
    for (const entry of entries) expect(builder.tryAdd(entry)).toBe(true);
    const body = builder.take();
    expect(body.length).toBe(1 + 2 * (2 + 50) + entryBytes(sctp) + entryBytes(entries[2] as StreamEntry));
    const message = decodeMessage(body, conntrackPacking);
    expect(message?.type === 'data' ? hex(message.entries) : []).toEqual(hex(entries));
  });

  it('sends a record as it is when a packing claims more than a packed form may take', () => {
    const greedy = { pack: (_record: unknown, _target: Uint8Array, at: number) => at + MAX_PACKED_BYTES + 1, unpack: () => undefined };
    const builder = new DataBodyBuilder(1424, greedy);
    expect(builder.tryAdd(tcp[0] as StreamEntry)).toBe(true);
    const body = builder.take();
    expect(body.length).toBe(1 + entryBytes(tcp[0] as StreamEntry));
    const message = decodeMessage(body);
    expect(message?.type === 'data' ? hex(message.entries) : []).toEqual(hex(tcp.slice(0, 1)));
  });

  it('refuses a packed set that does not fit the rest of the budget, writing nothing', () => {
    const builder = new DataBodyBuilder(1 + 52 + 40, conntrackPacking);
    expect(builder.tryAdd(tcp[0] as StreamEntry)).toBe(true);
    expect(builder.tryAdd(tcp[1] as StreamEntry)).toBe(false);
    expect(builder.count).toBe(1);
    const message = decodeMessage(builder.take(), conntrackPacking);
    expect(message?.type === 'data' ? hex(message.entries) : []).toEqual(hex(tcp.slice(0, 1)));
  });
});
