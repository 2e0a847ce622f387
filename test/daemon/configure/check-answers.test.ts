import { describe, expect, it } from 'vitest';
import type { Answers } from '../../../daemon/src/configure/answers.js';
import { checkAnswers, type KeyState } from '../../../daemon/src/configure/check-answers.js';
import { parseIpAddress } from '../../../daemon/src/config/ip-address.js';
import { capturedFirewall } from './helpers/facts.js';

const KEY = 'a'.repeat(64);
const good: Answers = {
  role: 'primary',
  'node-id': '1',
  'sync-interface': 'eth2',
  'sync-address': '203.0.113.1',
  'sync-peers': '203.0.113.2',
  vips: 'eth0=192.0.2.254/24 eth1=198.51.100.254/24',
  'router-id': '51',
  'cluster-key': '',
};
const noKey: KeyState = { validKeyFile: false };

function problems(changes: Answers, keys: KeyState = noKey) {
  const result = checkAnswers({ ...good, ...changes }, capturedFirewall(), keys);
  return result.ok ? [] : result.problems;
}

describe('checkAnswers', () => {
  it('turns good answers into half.conf values', () => {
    const result = checkAnswers(good, capturedFirewall(), noKey);
    expect(result.ok && result.values).toMatchObject({ role: 'primary', nodeId: 1, syncInterface: 'eth2', syncAddress: '203.0.113.1', syncPeers: ['203.0.113.2'], routerId: 51 });
  });

  it('refuses an address that is not on the machine, or not on the sync interface', () => {
    expect(problems({ 'sync-address': '203.0.113.5' })).toEqual([{ question: 'sync-address', message: expect.stringMatching(/203\.0\.113\.5 is not an address of this machine \(eth2 has 203\.0\.113\.1/) }]);
    expect(problems({ 'sync-address': '192.0.2.1' })).toEqual([{ question: 'sync-address', message: expect.stringContaining('192.0.2.1 is on eth0, not on the sync interface eth2') }]);
    expect(problems({ 'sync-address': '203.0.113.1/30' })).toEqual([{ question: 'sync-address', message: expect.stringContaining('without a prefix length') }]);
  });

  it('refuses interfaces the machine does not have, and peers that are this machine', () => {
    expect(problems({ 'sync-interface': 'eth7' })).toEqual([{ question: 'sync-interface', message: expect.stringContaining('no interface eth7 (it has: eth0, eth1, eth2, eth3)') }]);
    expect(problems({ vips: 'wan9=198.51.100.254/24' })).toEqual([{ question: 'vips', message: expect.stringContaining('no interface wan9') }]);
    expect(problems({ 'sync-peers': '203.0.113.2 198.51.100.1' })).toEqual([{ question: 'sync-peers', message: expect.stringContaining('198.51.100.1 is an address of this machine') }]);
  });

  it('refuses a VIP that is the address of a default gateway of this machine (IPv4 or IPv6), naming it', () => {
    expect(problems({ vips: 'eth0=192.0.2.254/24 eth1=198.51.100.100/24' })).toEqual([
      { question: 'vips', message: expect.stringMatching(/^eth1=198\.51\.100\.100\/24 is the address of this machine's default gateway .*pick a free address/) },
    ]);
    const v6 = { ...capturedFirewall(), defaultGateways: [parseIpAddress('2001:db8:1::fe')!] };
    const result = checkAnswers({ ...good, vips: 'eth0=192.0.2.254/24 2001:db8:1:0::FE/64' }, v6, noKey);
    expect(result.ok ? [] : result.problems).toEqual([{ question: 'vips', message: expect.stringContaining('eth0=2001:db8:1::fe/64 is the address of this machine\'s default gateway') }]);
  });

  it('takes such a VIP on a backup: the cluster\'s VIPs, which a backup without an uplink of its own is routed through', () => {
    expect(problems({ role: 'backup', 'node-id': '2', 'cluster-key': 'ab'.repeat(32), vips: 'eth0=192.0.2.254/24 eth1=198.51.100.100/24' })).toEqual([]);
  });

  it('refuses IPv4-mapped IPv6 addresses, naming the IPv4 address to write', () => {
    expect(problems({ 'sync-peers': '::ffff:203.0.113.2' })).toEqual([{ question: 'sync-peers', message: '"::ffff:203.0.113.2" is an IPv4-mapped IPv6 address; write the IPv4 address 203.0.113.2' }]);
    expect(problems({ 'sync-address': '::ffff:203.0.113.1' })).toEqual([{ question: 'sync-address', message: expect.stringContaining('write the IPv4 address 203.0.113.1') }]);
    expect(problems({ vips: 'eth0=::ffff:192.0.2.254/120' })).toEqual([{ question: 'vips', message: expect.stringContaining('write the IPv4 prefix 192.0.2.254/24') }]);
  });

  it('refuses a prefix that does not parse and a key of the wrong length', () => {
    expect(problems({ vips: 'eth0=192.0.2.254/40' })).toEqual([{ question: 'vips', message: expect.stringContaining('"/40" is not a prefix length') }]);
    expect(problems({ 'cluster-key': 'abcd' })).toEqual([{ question: 'cluster-key', message: expect.stringContaining('holds 4 hex digits, not 64') }]);
    expect(problems({ 'cluster-key': KEY })).toEqual([]);
  });

  it('wants the first node\'s key on a backup, unless a valid key file is there', () => {
    expect(problems({ role: 'backup', 'node-id': '2' })).toEqual([{ question: 'cluster-key', message: expect.stringContaining('a backup node needs the cluster key') }]);
    expect(problems({ role: 'backup', 'node-id': '2' }, { validKeyFile: true })).toEqual([]);
    expect(problems({}, { validKeyFile: false, problem: '/etc/half/cluster.key has mode 0644' })).toEqual([{ question: 'cluster-key', message: expect.stringContaining('has mode 0644; fix the file') }]);
  });

  it('checks numbers and the role', () => {
    expect(problems({ role: 'master', 'node-id': '0', 'router-id': '256' }).map((p) => p.question)).toEqual(['role', 'node-id', 'router-id']);
  });
});
