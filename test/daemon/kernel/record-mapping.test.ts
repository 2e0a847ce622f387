import { describe, expect, it } from 'vitest';
import { Table } from '../../../daemon/src/model/record.js';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { expectationToRecord, fromRecord, opsFromChanges, PAYLOAD_VERSION, toRecord } from '../../../daemon/src/kernel/record-mapping.js';
import { expectGoldenBytes } from './helpers/golden-bytes.js';
import { SAMPLE_ENTRIES, SAMPLE_EXPECTATION } from './helpers/sample-entries.js';

const replicated = ({ id: _i, use: _u, countersOrig: _a, countersReply: _b, secctx: _s, ...rest }: ConntrackEntry): ConntrackEntry => rest;

describe('record mapping', () => {
  it.each(Object.entries(SAMPLE_ENTRIES))('maps %s to a record and back', (_name, entry) => {
    const record = toRecord(entry);
    expect(record.table).toBe(Table.conntrack);
    expect(record.payload[0]).toBe(PAYLOAD_VERSION);
    expect(fromRecord(record)).toEqual({ ok: true, value: { table: 'conntrack', entry: replicated(entry) } });
  });

  it('maps expectations too', () => {
    const record = expectationToRecord(SAMPLE_EXPECTATION);
    const { id: _id, ...replicatedExp } = SAMPLE_EXPECTATION;
    expect(record.table).toBe(Table.expectation);
    expect(fromRecord(record)).toEqual({ ok: true, value: { table: 'expectation', expectation: replicatedExp } });
  });

  it("keys an expectation by its master's zone number, which a delete made from the key uses", () => {
    const replyZoned = { ...SAMPLE_EXPECTATION, zone: 0, masterReplyZone: 5 };
    const record = expectationToRecord(replyZoned);
    expect([record.key[2], record.key[3]]).toEqual([0, 5]);
    expect(Buffer.from(record.key)).toEqual(Buffer.from(expectationToRecord({ ...SAMPLE_EXPECTATION, zone: 5 }).key));
    const { id: _id, ...replicated } = replyZoned;
    expect(fromRecord(record)).toEqual({ ok: true, value: { table: 'expectation', expectation: replicated } });
    const { ops } = opsFromChanges([{ op: 'delete', table: Table.expectation, key: record.key }]);
    expect(ops[0]?.op === 'delete-expectation' ? ops[0].expectation.zone : undefined).toBe(5);
  });

  it('keeps the key and state hash when only volatile fields change', () => {
    const e = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    const a = toRecord(e);
    const b = toRecord({ ...e, timeout: 5, id: 1, use: 9, countersOrig: { packets: 1, bytes: 2 } });
    expect(Buffer.from(b.key).equals(Buffer.from(a.key))).toBe(true);
    expect(b.stateHash).toBe(a.stateHash);
    expect(Buffer.from(b.payload).equals(Buffer.from(a.payload))).toBe(false); // the timeout travels
    expectGoldenBytes('record-payload-tcp-snat', a.payload);
  });

  it('changes the state hash, not the key, when replicated state changes', () => {
    const e = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry;
    const a = toRecord(e);
    for (const changed of [{ ...e, mark: 1 }, { ...e, status: 8 }, { ...e, labels: [1] }, { ...e, protoinfo: { proto: 'tcp' as const, state: 4 } }, { ...e, reply: { ...e.reply, dport: 1 } }]) {
      const b = toRecord(changed);
      expect(b.stateHash).not.toBe(a.stateHash);
      expect(Buffer.from(b.key).equals(Buffer.from(a.key))).toBe(true);
    }
    for (const other of [{ ...e, zone: 1 }, { ...e, orig: { ...e.orig, sport: 1 } }]) expect(Buffer.from(toRecord(other).key).equals(Buffer.from(a.key))).toBe(false);
  });

  it('refuses payloads of another version or family, naming the problem', () => {
    const record = toRecord(SAMPLE_ENTRIES['udp'] as ConntrackEntry);
    const v2 = Uint8Array.from(record.payload);
    v2[0] = 2;
    expect(fromRecord({ table: Table.conntrack, payload: v2 })).toEqual({ ok: false, error: 'record payload version 2, this node reads version 1' });
    const fam = Uint8Array.from(record.payload);
    fam[1] = 7;
    expect(fromRecord({ table: Table.conntrack, payload: fam }).ok).toBe(false);
    expect(fromRecord({ table: Table.conntrack, payload: new Uint8Array(1) }).ok).toBe(false);
  });

  it('turns record changes into kernel ops, deletes from the key alone', () => {
    const e = SAMPLE_ENTRIES['icmpv6'] as ConntrackEntry;
    const x = SAMPLE_EXPECTATION;
    const { ops, undecodable } = opsFromChanges([
      { op: 'set', record: toRecord(e) },
      { op: 'delete', table: Table.conntrack, key: toRecord(e).key },
      { op: 'delete', table: Table.expectation, key: expectationToRecord(x).key },
      { op: 'set', record: { ...toRecord(e), payload: new Uint8Array([9, 2, 0, 0]) } },
    ]);
    expect(undecodable).toEqual([{ index: 3, error: 'record payload version 9, this node reads version 1' }]);
    expect(ops.map((o) => o.op)).toEqual(['set', 'delete', 'delete-expectation']);
    const del = ops[1] as { entry: ConntrackEntry };
    expect([del.entry.family, del.entry.orig, del.entry.zone]).toEqual([e.family, e.orig, e.zone]);
    const delExp = ops[2] as { expectation: typeof x };
    expect([delExp.expectation.tuple, delExp.expectation.mask]).toEqual([x.tuple, x.mask]);
  });
});
