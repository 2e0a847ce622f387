// The effective replication filter: the node's own and the sync links' addresses are ignored
// on top of half.conf's list; the virtual addresses never are.
import { describe, expect, it } from 'vitest';
import { isIgnored, replicationFilter } from '../../../daemon/src/config/filters.js';
import { parseIpAddress, type IpAddress } from '../../../daemon/src/config/ip-address.js';
import { fixtureConfig } from './fixtures/configs.js';

const ip = (text: string): IpAddress => parseIpAddress(text) ?? (() => { throw new Error(text); })();

describe('replicationFilter', () => {
  const config = fixtureConfig('two-lan-wan');
  const filter = replicationFilter(config, [ip('192.0.2.1'), ip('198.51.100.1'), ip('192.0.2.254'), ip('203.0.113.1')]);

  it('ignores loopback, sync addresses, own addresses and the configured list, once each', () => {
    expect(filter.ignore.map((p) => p.text)).toEqual([
      '127.0.0.0/8', '::1/128', '203.0.113.1/32', '203.0.113.2/32', '192.0.2.1/32', '198.51.100.1/32', '192.0.2.10/32', '198.51.100.0/26',
    ]);
  });

  it('never ignores a virtual address, even when it is local', () => {
    expect(isIgnored(filter, ip('192.0.2.254'))).toBe(false);
    expect(isIgnored(filter, ip('198.51.100.254'))).toBe(false);
    expect(isIgnored(filter, ip('198.51.100.63'))).toBe(true);
    expect(isIgnored(filter, ip('198.51.100.64'))).toBe(false);
    expect(isIgnored(filter, ip('127.1.2.3'))).toBe(true);
    expect(isIgnored(filter, ip('192.0.2.77'))).toBe(false);
  });

  it('ignores a multicast link\'s group: the responder of the peers\' sync traffic, whose senders are not listed', () => {
    const multicast = replicationFilter(fixtureConfig('single-multicast'), []);
    const group = fixtureConfig('single-multicast').sync.links[0]?.multicastGroup as IpAddress;
    expect(isIgnored(multicast, group)).toBe(true);
  });

  it('maps protocol names to numbers and keeps the TCP states', () => {
    expect([...filter.protocols].sort((a, b) => a - b)).toEqual([1, 6, 17]);
    expect([...filter.tcpStates]).toEqual(['established', 'syn_recv', 'fin_wait']);
  });
});
