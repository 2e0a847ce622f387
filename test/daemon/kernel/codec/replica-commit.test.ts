import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../../daemon/src/kernel/ct-entry.js';
import { encodeCreate, nfFamily } from '../../../../daemon/src/kernel/codec/ct-encode.js';
import { hasNat } from '../../../../daemon/src/kernel/codec/ct-status.js';
import { AttrWriter } from '../../../../daemon/src/kernel/codec/netlink-attr.js';
import { encodeCreateFromReplica, replicaFastPath, scanReplica } from '../../../../daemon/src/kernel/codec/replica-commit.js';
import { PAYLOAD_HEADER, toRecord } from '../../../../daemon/src/kernel/record-mapping.js';
import { SAMPLE_ENTRIES } from '../helpers/sample-entries.js';

const tcp = { beLiberal: true };

describe('create from a record payload', () => {
  const plain = Object.entries(SAMPLE_ENTRIES).filter(([name, e]) => !hasNat(e.status ?? 0) && name !== 'ftpData');

  it.each(plain)('gives the same bytes as encoding %s afresh', (_name, entry) => {
    const payload = Buffer.from(toRecord(entry).payload);
    const scan = scanReplica(payload, PAYLOAD_HEADER, payload.length);
    expect(scan).toBeDefined();
    expect(replicaFastPath(scan!)).toBe(true);
    expect(scan!.hasMaster).toBe(entry.master !== undefined);
    const fast = new AttrWriter();
    encodeCreateFromReplica(fast, nfFamily(entry), payload, PAYLOAD_HEADER, payload.length, scan!, 7, 0, tcp);
    const slow = new AttrWriter();
    encodeCreate(slow, entry, 7, 0, { tcp });
    expect(fast.take().toString('hex')).toBe(slow.take().toString('hex'));
  });

  it('leaves NATed entries, TCP entries without flags and entries without a timeout to the slow path', () => {
    const noFlags = Buffer.from(toRecord(SAMPLE_ENTRIES['ftpData'] as ConntrackEntry).payload);
    expect(replicaFastPath(scanReplica(noFlags, PAYLOAD_HEADER, noFlags.length)!)).toBe(false);
    const nat = Buffer.from(toRecord(SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry).payload);
    expect(replicaFastPath(scanReplica(nat, PAYLOAD_HEADER, nat.length)!)).toBe(false);
    const { timeout: _t, ...noTimeout } = SAMPLE_ENTRIES['udp'] as ConntrackEntry;
    const bare = Buffer.from(toRecord(noTimeout).payload);
    expect(replicaFastPath(scanReplica(bare, PAYLOAD_HEADER, bare.length)!)).toBe(false);
    expect(scanReplica(bare, PAYLOAD_HEADER, bare.length - 3)).toBeUndefined();
  });
});
