import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { conntrackPacking } from '../../../daemon/src/kernel/record-packing.js';
import { CtScan } from '../../../daemon/src/kernel/codec/ct-scan.js';
import { Cta } from '../../../daemon/src/kernel/codec/ctnetlink-attr.js';
import { decodeConntrackAttrs } from '../../../daemon/src/kernel/codec/ct-decode.js';
import { mergedScanRecord, scanRecord } from '../../../daemon/src/kernel/scan-record.js';
import { expectationToRecord, toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import type { FlowRecord } from '../../../daemon/src/model/record.js';
import { MAX_PACKED_BYTES } from '../../../daemon/src/model/record-packing.js';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { fnv1a64 } from '../../../daemon/src/kernel/state-hash.js';
import { expectGoldenBytes } from './helpers/golden-bytes.js';
import { payloadAttrs } from './helpers/payload-attrs.js';
import { SAMPLE_ENTRIES, SAMPLE_EXPECTATION } from './helpers/sample-entries.js';
import { syntheticEntries } from './helpers/synthetic-flows.js';

const bytesOf = (record: FlowRecord) => ({ table: record.table, key: Buffer.from(record.key).toString('hex'), payload: Buffer.from(record.payload).toString('hex'), stateHash: record.stateHash });

/** The packed form of a record (undefined when it has none). */
function packed(record: FlowRecord): Buffer | undefined {
  const target = Buffer.alloc(MAX_PACKED_BYTES + 8);
  const end = conntrackPacking.pack(record, target, 3);
  if (end < 0) return undefined;
  expect(end - 3).toBeLessThanOrEqual(MAX_PACKED_BYTES);
  return target.subarray(3, end);
}

const without = (entry: ConntrackEntry, ...fields: (keyof ConntrackEntry)[]): ConntrackEntry => {
  const copy: Record<string, unknown> = { ...entry };
  for (const field of fields) delete copy[field];
  return copy as unknown as ConntrackEntry;
};

// the sample entries without what only the slow path replicates (labels, helpers, masters, DCCP state), and SCTP's (unpacked)
const packable: Record<string, ConntrackEntry> = {
  tcpSnat: without(SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry, 'labels'),
  tcpDnatV6Zone: SAMPLE_ENTRIES['tcpDnatV6Zone'] as ConntrackEntry,
  udp: SAMPLE_ENTRIES['udp'] as ConntrackEntry,
  udpliteV6: SAMPLE_ENTRIES['udpliteV6'] as ConntrackEntry,
  icmp: SAMPLE_ENTRIES['icmp'] as ConntrackEntry,
  icmpv6: SAMPLE_ENTRIES['icmpv6'] as ConntrackEntry,
  gre: SAMPLE_ENTRIES['gre'] as ConntrackEntry,
  noTimeoutNoMark: without(SAMPLE_ENTRIES['udp'] as ConntrackEntry, 'timeout', 'mark'),
  tcpStateOnly: { ...(SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry), labels: [], protoinfo: { proto: 'tcp', state: 2 } },
};

describe('conntrack record packing', () => {
  it.each(Object.entries(packable))('packs %s and unpacks it byte for byte', (_name, entry) => {
    const record = toRecord(entry);
    const form = packed(record);
    expect(form).toBeDefined();
    const back = conntrackPacking.unpack(form as Buffer, 0, (form as Buffer).length);
    expect(back && bytesOf(back)).toEqual(bytesOf(record));
  });

  it.each(Object.entries(packable))('packs %s just made by the event path from the values it was written from, as from its bytes', (_name, entry) => {
    const scan = new CtScan();
    const payload = Buffer.from(toRecord(entry).payload);
    expect(scan.attributes(payload, 4, payload.length, payload[1] as number)).toBe(true);
    const made = scanRecord(scan);
    const fast = packed(made) as Buffer; // the record last written: packed from its values
    const slow = packed({ ...made }) as Buffer; // another object: its payload scanned and checked
    expect(fast.toString('hex')).toBe(slow.toString('hex'));
    expect(bytesOf(conntrackPacking.unpack(fast, 0, fast.length) as FlowRecord)).toEqual(bytesOf(made));
    // and an UPDATE folded into the record held: new mark and timeout, the rest kept
    const update = new CtScan();
    const changed = Buffer.from(toRecord({ ...entry, mark: 77, timeout: 5 }).payload);
    expect(update.attributes(changed, 4, changed.length, changed[1] as number)).toBe(true);
    const merged = mergedScanRecord(update, made.payload) as FlowRecord;
    const form = packed(merged) as Buffer;
    expect(form.toString('hex')).toBe((packed({ ...merged }) as Buffer).toString('hex'));
    expect(bytesOf(conntrackPacking.unpack(form, 0, form.length) as FlowRecord)).toEqual(bytesOf(merged));
  });

  const sctp = SAMPLE_ENTRIES['sctp'] as ConntrackEntry;
  const v6 = SAMPLE_ENTRIES['tcpDnatV6Zone'] as ConntrackEntry;
  const markChange: Partial<ConntrackEntry> = { mark: 77 };
  const sctpChange: Partial<ConntrackEntry> = { protoinfo: { proto: 'sctp', state: 7, vtagOrig: 1, vtagReply: 2 } };
  const synproxy = SAMPLE_ENTRIES['tcpSynproxy'] as ConntrackEntry;
  const synproxyChange: Partial<ConntrackEntry> = { synproxy: { isn: 1, its: 2, tsoff: 0xffff_fffe } };
  const seqAdjChange: Partial<ConntrackEntry> = { seqAdjReply: { correctionPos: 9, offsetBefore: 0xffff_ffff, offsetAfter: 3 } };
  // what the packed form carries in its extension byte (wire version 3): a zone of one
  // direction, SCTP state (the decoder takes a state alone; toRecord writes absent tags as 0),
  // sequence adjustments and SYNPROXY state
  const extended: Record<string, { entry: ConntrackEntry; updates: Partial<ConntrackEntry>[] }> = {
    tcpOrigZone: { entry: SAMPLE_ENTRIES['tcpOrigZone'] as ConntrackEntry, updates: [markChange] },
    udpReplyZoneSnat: { entry: SAMPLE_ENTRIES['udpReplyZoneSnat'] as ConntrackEntry, updates: [markChange] },
    sctp: { entry: sctp, updates: [sctpChange, markChange] },
    sctpStateOnly: { entry: { ...sctp, protoinfo: { proto: 'sctp', state: 3 } }, updates: [sctpChange, markChange] },
    sctpV6: { entry: { ...v6, orig: { ...v6.orig, proto: 132 }, reply: { ...v6.reply, proto: 132 }, protoinfo: { proto: 'sctp', state: 4, vtagOrig: 7, vtagReply: 0xffffffff } }, updates: [sctpChange, markChange] },
    tcpSynproxy: { entry: synproxy, updates: [synproxyChange, seqAdjChange, markChange] },
    // SYNPROXY's NEW event: its state before the sequence adjustment exists
    tcpSynproxyNew: { entry: without(synproxy, 'seqAdjOrig', 'seqAdjReply'), updates: [seqAdjChange, synproxyChange] },
    v6SeqAdjOrigOnly: { entry: { ...v6, seqAdjOrig: { correctionPos: 1, offsetBefore: 2, offsetAfter: 3 } }, updates: [seqAdjChange] },
  };
  it.each(Object.entries(extended))('writes %s from its scan as toRecord does, packs it with the extension byte, and folds UPDATEs into it as mergeEntry does', (_name, { entry, updates }) => {
    const expected = toRecord(entry);
    const scan = new CtScan();
    const payload = Buffer.from(expected.payload);
    expect(scan.attributes(payload, 4, payload.length, payload[1] as number)).toBe(true);
    const made = scanRecord(scan);
    expect(bytesOf(made)).toEqual(bytesOf(expected));
    const fast = packed(made) as Buffer;
    expect(((fast[0] as number) & 0x01) !== 0 && (fast[1] as number) !== 0).toBe(true);
    expect(fast.toString('hex')).toBe((packed({ ...made }) as Buffer).toString('hex'));
    expect(bytesOf(conntrackPacking.unpack(fast, 0, fast.length) as FlowRecord)).toEqual(bytesOf(expected));
    expect(fast.length).toBeLessThan(made.key.length + made.payload.length);
    // an UPDATE reports what changed: each part it reports replaces the held one (protoinfo whole),
    // the rest is kept (the tuples' zones too)
    for (const change of updates) {
      const update = new CtScan();
      const after = { ...entry, ...change } as ConntrackEntry;
      const reported = Buffer.from(toRecord({ ...without(after, 'protoinfo', 'mark', 'timeout', 'seqAdjOrig', 'seqAdjReply', 'synproxy'), ...change }).payload);
      expect(update.attributes(reported, 4, reported.length, reported[1] as number)).toBe(true);
      expect(bytesOf(mergedScanRecord(update, made.payload) as FlowRecord)).toEqual(bytesOf(toRecord(after)));
    }
  });

  it.each(['seqAdjReply', 'synproxy'] as const)('leaves an incomplete %s to the decoder, which refuses it too', (part) => {
    const payload = Buffer.from(toRecord(synproxy).payload);
    // the nest's last value renamed to a type neither reads: two of three left
    const type = part === 'synproxy' ? Cta.synproxy : Cta.seqAdjReply;
    const nest = payloadAttrs(payload).find((a) => a.type === type)?.at as number;
    payload.writeUInt16LE(9, nest + 4 + 2 * 8 + 2);
    expect(new CtScan().attributes(payload, 4, payload.length, payload[1] as number)).toBe(false);
    expect(decodeConntrackAttrs(payload, 4, payload.length, 'ipv4').ok).toBe(false);
  });

  it('takes a SYNPROXY state of zeros (ctnetlink gives one to every entry it creates) for none, and packs the record', () => {
    const udp = packable['udp'] as ConntrackEntry;
    const canonical = toRecord(udp);
    const zeros = Buffer.alloc(28);
    zeros.writeUInt16LE(28, 0);
    zeros.writeUInt16LE(Cta.synproxy | 0x8000, 2);
    for (let i = 0; i < 3; i++) {
      zeros.writeUInt16LE(8, 4 + 8 * i);
      zeros.writeUInt16LE(i + 1, 6 + 8 * i);
    }
    const reported = Buffer.concat([Buffer.from(canonical.payload), zeros]);
    const decoded = decodeConntrackAttrs(reported, 4, reported.length, 'ipv4');
    expect(decoded.ok && decoded.value.synproxy).toBe(undefined);
    const scan = new CtScan();
    expect(scan.attributes(reported, 4, reported.length, reported[1] as number)).toBe(true);
    const made = scanRecord(scan);
    expect(bytesOf(made)).toEqual(bytesOf(canonical));
    expect(packed(made)).toBeDefined();
  });

  it('scans a TCP entry after an SCTP one with no SCTP state left over (the scan is reused)', () => {
    const scan = new CtScan();
    const first = Buffer.from(toRecord(sctp).payload);
    expect(scan.attributes(first, 4, first.length, first[1] as number)).toBe(true);
    const tcp = packable['tcpSnat'] as ConntrackEntry;
    const second = Buffer.from(toRecord(tcp).payload);
    expect(scan.attributes(second, 4, second.length, second[1] as number)).toBe(true);
    expect(scan.sctp).toBe(false);
    expect(bytesOf(scanRecord(scan))).toEqual(bytesOf(toRecord(tcp)));
  });

  it('leaves a record just made whose tuple lacks a port (nowhere to put it packed)', () => {
    const udp = packable['udp'] as ConntrackEntry;
    const { sport: _sport, ...orig } = udp.orig;
    const payload = Buffer.from(toRecord({ ...udp, orig }).payload);
    const scan = new CtScan();
    expect(scan.attributes(payload, 4, payload.length, payload[1] as number)).toBe(true);
    const made = scanRecord(scan);
    expect(packed(made)).toBeUndefined();
    expect(packed({ ...made })).toBeUndefined();
  });

  it('lays packed records out as documented (what a peer of the same wire version reads)', () => {
    // round trips cannot catch a layout changed on both sides; these bytes can
    expectGoldenBytes('packed-tcp-snat', packed(toRecord(packable['tcpSnat'] as ConntrackEntry)) as Buffer);
    expectGoldenBytes('packed-tcp-dnat-v6-zone', packed(toRecord(packable['tcpDnatV6Zone'] as ConntrackEntry)) as Buffer);
    expectGoldenBytes('packed-icmp', packed(toRecord(packable['icmp'] as ConntrackEntry)) as Buffer);
    expectGoldenBytes('packed-sctp', packed(toRecord(SAMPLE_ENTRIES['sctp'] as ConntrackEntry)) as Buffer);
    expectGoldenBytes('packed-tcp-synproxy', packed(toRecord(SAMPLE_ENTRIES['tcpSynproxy'] as ConntrackEntry)) as Buffer);
    expectGoldenBytes('packed-udp-reply-zone-snat', packed(toRecord(SAMPLE_ENTRIES['udpReplyZoneSnat'] as ConntrackEntry)) as Buffer);
  });

  it('takes under a third of the bytes for an IPv4 TCP flow', () => {
    const record = toRecord(syntheticEntries(1)[0] as ConntrackEntry);
    const form = packed(record) as Buffer;
    // flags, state hash, key 16, reply 8 + 4, status 4, TCP 5, timeout 4
    expect(form.length).toBe(1 + 8 + 16 + 12 + 4 + 5 + 4);
    // on the wire: kind, table, key length, key, hash, payload length, payload; or kind, length, packed form
    expect(14 + record.key.length + record.payload.length).toBeGreaterThan(3 * (2 + form.length));
  });

  it.each(['dccp', 'ftpData', 'tcpSnat'])('leaves %s as it is (labels, helpers, DCCP state: what only the slow path replicates)', (name) => {
    expect(packed(toRecord(SAMPLE_ENTRIES[name] as ConntrackEntry))).toBeUndefined();
  });

  it('leaves expectations, foreign payloads and records whose key disagrees', () => {
    expect(packed(expectationToRecord(SAMPLE_EXPECTATION))).toBeUndefined();
    const record = toRecord(packable['udp'] as ConntrackEntry);
    const key = Uint8Array.from(record.key);
    key[5] = (key[5] as number) ^ 1;
    expect(packed({ ...record, key })).toBeUndefined();
    const payload = Uint8Array.from(record.payload);
    payload[0] = 99;
    expect(packed({ ...record, payload })).toBeUndefined();
  });

  it('packs a mutated payload only when it unpacks to exactly those bytes', () => {
    const prng = new Prng(7);
    const random = () => prng.next();
    const originals = Object.values(packable).map((entry) => ({ record: toRecord(entry), timed: entry.timeout !== undefined }));
    let packedCount = 0;
    for (let round = 0; round < 20_000; round++) {
      const { record, timed } = originals[round % originals.length] as { record: FlowRecord; timed: boolean };
      const payload = Uint8Array.from(record.payload);
      const flips = 1 + Math.floor(random() * 3);
      for (let i = 0; i < flips; i++) payload[Math.floor(random() * payload.length)] = Math.floor(random() * 256);
      // the hash a holder of these bytes would have (the state ends before the timeout, the last attribute)
      const stateHash = fnv1a64(payload, 0, timed ? payload.length - 8 : payload.length);
      const form = packed({ ...record, payload, stateHash });
      if (form === undefined) continue;
      packedCount++;
      const back = conntrackPacking.unpack(form, 0, form.length);
      expect(back && Buffer.from(back.payload).toString('hex')).toBe(Buffer.from(payload).toString('hex'));
      expect(back && Buffer.from(back.key).equals(Buffer.from(record.key))).toBe(true);
      expect(back?.stateHash).toBe(stateHash);
    }
    // values (addresses, ports, status, state, timeout) change freely; headers and padding do not pack
    expect(packedCount).toBeGreaterThan(1_000);
    expect(packedCount).toBeLessThan(20_000);
  });

  it('turns truncated, padded or random forms into undefined, never an exception', () => {
    const prng = new Prng(11);
    const random = () => prng.next();
    const form = packed(toRecord(packable['tcpSnat'] as ConntrackEntry)) as Buffer;
    for (let n = 0; n < form.length; n++) expect(conntrackPacking.unpack(form, 0, n)).toBeUndefined();
    expect(conntrackPacking.unpack(Buffer.concat([form, Buffer.alloc(1)]), 0, form.length + 1)).toBeUndefined();
    const wrongFamily = Buffer.from(form);
    wrongFamily[9] = 10; // the key's family byte, after flags and state hash
    expect(conntrackPacking.unpack(wrongFamily, 0, wrongFamily.length)).toBeUndefined();
    for (let round = 0; round < 5_000; round++) {
      const bytes = Buffer.alloc(Math.floor(random() * 120));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      expect(() => conntrackPacking.unpack(bytes, 0, bytes.length)).not.toThrow();
    }
  });
});
