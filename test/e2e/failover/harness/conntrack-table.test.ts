// The parser against the real conntrack(8) output (entries created in a namespace of the test's
// own), and against a line of conntrackd's cache dump (`conntrackd -e`, original tuple only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { requireTool } from '../../../helpers/tools.js';
import { entryKey, isEstablishedFlow, missingFromReplica, parseTable, parseTableLine } from './conntrack-table.js';

const net = createNamespaces('fotable');
let listed = '';

beforeAll(async () => {
  requireTool('conntrack');
  await net.addNs('fw');
  // a SNATed TCP flow whose source port was remapped, and an unreplied UDP flow
  await net.exec('fw', ['conntrack', '-I', '-p', 'tcp', '-s', '192.0.2.128', '-d', '198.51.100.128', '--sport', '20000', '--dport', '7000', '-r', '198.51.100.128', '-q', '198.51.100.254', '--reply-port-src', '7000', '--reply-port-dst', '31337', '--state', 'ESTABLISHED', '-u', 'SEEN_REPLY,ASSURED', '-t', '300'], { check: true });
  await net.exec('fw', ['conntrack', '-I', '-p', 'udp', '-s', '192.0.2.129', '-d', '198.51.100.128', '--sport', '21000', '--dport', '7001', '-t', '30'], { check: true });
  listed = (await net.exec('fw', ['conntrack', '-L'], { check: true })).stdout;
});
afterAll(() => net.cleanup());

describe('parseTable', () => {
  it('reads both tuples, the TCP state and ASSURED from conntrack -L', () => {
    const entries = parseTable(listed);
    expect(entries).toHaveLength(2);
    const tcp = entries.find((e) => e.proto === 'tcp');
    expect(tcp).toEqual({
      proto: 'tcp',
      state: 'ESTABLISHED',
      orig: { src: '192.0.2.128', dst: '198.51.100.128', sport: 20000, dport: 7000 },
      reply: { src: '198.51.100.128', dst: '198.51.100.254', sport: 7000, dport: 31337 },
      assured: true,
    });
    const udp = entries.find((e) => e.proto === 'udp');
    expect(udp).toMatchObject({ state: undefined, assured: false, orig: { sport: 21000, dport: 7001 } });
    expect(entries.map(isEstablishedFlow)).toEqual(entries.map((e) => e.proto === 'tcp'));
  });

  it('reads conntrackd cache lines, which carry the original tuple only', () => {
    const line = 'tcp      6 ESTABLISHED src=192.0.2.128 dst=198.51.100.128 sport=20000 dport=7000 [ASSURED] mark=0 [active since 2s]';
    expect(parseTableLine(line)).toMatchObject({ proto: 'tcp', state: 'ESTABLISHED', reply: undefined, assured: true });
    expect(parseTableLine('conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.')).toBeUndefined();
  });
});

describe('missingFromReplica', () => {
  it('lists the established flows of the active table that the replica lacks, by original tuple', () => {
    const active = parseTable(listed);
    const tcpKey = entryKey(active.find((e) => e.proto === 'tcp')!);
    expect(tcpKey).toBe('tcp 192.0.2.128:20000>198.51.100.128:7000');
    expect(missingFromReplica(active, [], [])).toEqual([tcpKey]);
    const replica = parseTable('tcp      6 ESTABLISHED src=192.0.2.128 dst=198.51.100.128 sport=20000 dport=7000 [ASSURED] [active since 1s]\n');
    expect(missingFromReplica(active, replica, [])).toEqual([]);
    expect(missingFromReplica(active, [], ['198.51.100.128'])).toEqual([]);
  });
});
