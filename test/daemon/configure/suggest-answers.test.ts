import { describe, expect, it } from 'vitest';
import { freeHostFromTop, otherHost, suggestAnswers } from '../../../daemon/src/configure/suggest-answers.js';
import { parseIpAddress, parseIpPrefix } from '../../../daemon/src/config/ip-address.js';
import { capturedFirewall, withInterface } from './helpers/facts.js';

const prefix = (text: string) => {
  const p = parseIpPrefix(text);
  if (!p.ok) throw new Error(p.reason);
  return p.prefix;
};

describe('address arithmetic', () => {
  it('finds the other host of a /30 and a /31, and the last host of wider networks', () => {
    expect(otherHost(prefix('203.0.113.1/30'))).toBe('203.0.113.2');
    expect(otherHost(prefix('203.0.113.6/30'))).toBe('203.0.113.5');
    expect(otherHost(prefix('203.0.113.4/31'))).toBe('203.0.113.5');
    expect(otherHost(prefix('203.0.113.4/30'))).toBeUndefined(); // the network address itself
    expect(otherHost(prefix('192.0.2.1/24'))).toBeUndefined();
    expect(freeHostFromTop(prefix('192.0.2.1/24'), new Set())).toBe('192.0.2.254');
    expect(freeHostFromTop(prefix('198.51.100.130/25'), new Set())).toBe('198.51.100.254');
    expect(freeHostFromTop(prefix('203.0.113.9/29'), new Set())).toBe('203.0.113.14');
    expect(freeHostFromTop(prefix('203.0.113.1/30'), new Set())).toBeUndefined();
    expect(freeHostFromTop(prefix('2001:db8::1/64'), new Set())).toBeUndefined();
  });
});

describe('suggestAnswers', () => {
  it('takes the /30 off the default route as the sync link and .254 of each other network as VIPs', () => {
    expect(suggestAnswers(capturedFirewall(), {})).toEqual({
      answers: {
        'node-id': '1',
        'router-id': '51',
        'sync-interface': 'eth2',
        'sync-address': '203.0.113.1',
        'sync-peers': '203.0.113.2',
        vips: 'eth0=192.0.2.254/24 eth1=198.51.100.254/24',
      },
      notes: [],
    });
  });

  it('never suggests a default gateway (or an own address) as a VIP: the next free host down', () => {
    const facts = capturedFirewall();
    const routerAt254 = { ...facts, defaultGateways: [parseIpAddress('198.51.100.254')!] };
    expect(suggestAnswers(routerAt254, {}).answers.vips).toBe('eth0=192.0.2.254/24 eth1=198.51.100.253/24');
    const selfAt253 = withInterface(routerAt254, 'eth1', (i) => ({ ...i, addresses: [...i.addresses, { address: parseIpAddress('198.51.100.253')!, prefix: prefix('198.51.100.253/24'), scope: 'global' }] }));
    expect(suggestAnswers(selfAt253, {}).answers.vips).toBe('eth0=192.0.2.254/24 eth1=198.51.100.252/24');
    expect(freeHostFromTop(prefix('203.0.113.9/29'), new Set(['203.0.113.14', '203.0.113.13']))).toBe('203.0.113.12');
    expect(freeHostFromTop(prefix('203.0.113.9/29'), new Set(['203.0.113.9', '203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13', '203.0.113.14']))).toBeUndefined();
  });

  it('suggests only for unanswered questions', () => {
    const { answers } = suggestAnswers(capturedFirewall(), { role: 'backup', vips: 'eth0=192.0.2.10/24', 'router-id': '7', 'sync-peers': '203.0.113.2' });
    expect(answers).toEqual({ 'node-id': '2', 'sync-interface': 'eth2', 'sync-address': '203.0.113.1' });
  });

  it('finds the sync end from the peer address (the second node of a cluster)', () => {
    const second = withInterface(capturedFirewall(), 'eth2', (i) => ({ ...i, addresses: i.addresses.map((a) => (a.prefix.text === '203.0.113.1/30' ? { ...a, address: prefix('203.0.113.2/30').address, prefix: prefix('203.0.113.2/30') } : a)) }));
    const { answers } = suggestAnswers(second, { 'sync-peers': '203.0.113.1' });
    expect(answers['sync-interface']).toBe('eth2');
    expect(answers['sync-address']).toBe('203.0.113.2');
  });

  it('offers an unused interface, and says it needs an address, when no point-to-point link exists', () => {
    const bare = withInterface(capturedFirewall(), 'eth2', (i) => ({ ...i, addresses: i.addresses.filter((a) => a.scope !== 'global') }));
    const { answers, notes } = suggestAnswers(bare, {});
    expect(answers['sync-interface']).toBe('eth2');
    expect(answers['sync-address']).toBeUndefined();
    expect(answers['sync-peers']).toBeUndefined();
    expect(notes).toEqual([expect.stringContaining('eth2 has no address yet')]);
  });

  it('says so when there is no interface for a sync link at all', () => {
    const facts = capturedFirewall();
    const routedOnly = { ...facts, interfaces: facts.interfaces.filter((i) => i.name === 'lo' || i.name === 'eth1') };
    const { answers, notes } = suggestAnswers(routedOnly, {});
    expect(answers['sync-interface']).toBeUndefined();
    expect(notes).toEqual([expect.stringContaining('no interface is free for the sync link')]);
  });
});
