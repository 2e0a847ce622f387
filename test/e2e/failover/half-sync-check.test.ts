// When the standby counts as holding the active node's flows: each of the three facts must hold,
// and each failing one is named. The established flows are counted from real `conntrack -L` lines
// (the format the harness parses), the node's own traffic left out as half-syncd's filter does.
import { describe, expect, it } from 'vitest';
import { parseTable } from './harness/conntrack-table.js';
import { replicatedFlows, standbyHoldsActive, type SyncView } from './half-sync-check.js';

const TABLE = [
  'tcp      6 431999 ESTABLISHED src=192.0.2.128 dst=198.51.100.128 sport=20000 dport=7000 src=198.51.100.128 dst=198.51.100.254 sport=7000 dport=20000 [ASSURED] mark=0 use=1',
  'tcp      6 431999 ESTABLISHED src=192.0.2.129 dst=198.51.100.128 sport=20000 dport=7000 src=198.51.100.128 dst=198.51.100.254 sport=7000 dport=31337 [ASSURED] mark=0 use=1',
  'udp      17 119 src=192.0.2.128 dst=198.51.100.128 sport=30000 dport=7001 src=198.51.100.128 dst=198.51.100.254 sport=7001 dport=30000 [ASSURED] mark=0 use=1',
  'tcp      6 118 SYN_SENT src=192.0.2.128 dst=198.51.100.128 sport=20001 dport=7000 [UNREPLIED] src=198.51.100.128 dst=198.51.100.254 sport=7000 dport=20001 mark=0 use=1',
  'udp      17 29 src=203.0.113.1 dst=203.0.113.2 sport=3781 dport=3781 src=203.0.113.2 dst=203.0.113.1 sport=3781 dport=3781 [ASSURED] mark=0 use=1',
  'unknown  112 599 src=192.0.2.1 dst=224.0.0.18 [UNREPLIED] src=224.0.0.18 dst=192.0.2.1 mark=0 use=1',
].join('\n');

const active: SyncView = { node: { id: 1, role: 'sender' }, tables: { internal: 4 }, peers: [{ nodeId: 2, followsUs: true, lagFrames: 0, externalEntries: 0 }] };
const standby: SyncView = { node: { id: 2, role: 'receiver' }, tables: { internal: 0 }, peers: [{ nodeId: 1, followsUs: false, lagFrames: null, externalEntries: 4 }] };

describe('replicatedFlows', () => {
  it('counts assured established flows, not the node\'s own sync traffic nor half-open ones', () => {
    expect(replicatedFlows(parseTable(TABLE), ['127.0.0.1', '192.0.2.1', '198.51.100.1', '203.0.113.1', '203.0.113.2'])).toBe(3);
  });
});

describe('standbyHoldsActive', () => {
  it('says yes when the active node sends, the standby acknowledged everything and holds as many entries', () => {
    expect(standbyHoldsActive(active, standby, 3)).toEqual({ synced: true, why: '' });
  });

  it.each([
    ['the active node is not the sender', { ...active, node: { id: 1, role: 'receiver' } }, standby, 3, /not the sender/],
    ['it replicates fewer entries than it has flows', active, standby, 5, /replicates 4 entries, fewer than its 5 established flows/],
    ['the standby does not follow', { ...active, peers: [] }, standby, 3, /does not follow/],
    ['frames are unacknowledged', { ...active, peers: [{ nodeId: 2, followsUs: true, lagFrames: 2, externalEntries: 0 }] }, standby, 3, /not acknowledged 2 frames/],
    ['the standby holds fewer entries', active, { ...standby, peers: [{ nodeId: 1, followsUs: false, lagFrames: null, externalEntries: 3 }] }, 3, /holds 3 of node 1's 4 entries/],
    ['the standby holds more (stale) entries', active, { ...standby, peers: [{ nodeId: 1, followsUs: false, lagFrames: null, externalEntries: 9 }] }, 3, /holds 9 of node 1's 4 entries/],
  ] as const)('says no, and why, when %s', (_, a, s, flows, why) => {
    const verdict = standbyHoldsActive(a, s, flows);
    expect(verdict.synced).toBe(false);
    expect(verdict.why).toMatch(why);
  });
});
