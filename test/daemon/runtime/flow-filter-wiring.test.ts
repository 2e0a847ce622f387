// half.conf [filter] and the node's addresses → the kernel layer's FlowFilter
// (daemon/src/runtime/flow-filter-wiring.ts): own addresses, loopback and the sync link are left
// out, the virtual addresses never are; "all" means every protocol and state.
import { describe, expect, it } from 'vitest';
import { parseIpAddress, type IpAddress } from '../../../daemon/src/config/ip-address.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { effectiveFlowFilter, localAddresses } from '../../../daemon/src/runtime/flow-filter-wiring.js';

const conf = (filter: string) =>
  validateHalfConf(`[node]\nid = 1\nrole = primary\n[sync]\ninterface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2\n[vips]\nlan0 = 192.0.2.254/24\n[filter]\n${filter}\n`, 'half.conf');
const own = ['192.0.2.1', '192.0.2.254', '198.51.100.1'].map((t) => parseIpAddress(t) as IpAddress);

function flow(src: string, dst: string, proto = 6, state = 3, replySrc = dst): ConntrackEntry {
  return {
    family: 'ipv4',
    orig: { src, dst, proto, sport: 1000, dport: 80 },
    reply: { src: replySrc, dst: src, proto, sport: 80, dport: 1000 },
    zone: 0,
    ...(proto === 6 ? { protoinfo: { proto: 'tcp' as const, state } } : {}),
  };
}

describe('effectiveFlowFilter', () => {
  it('leaves out the node\'s own and the sync link\'s flows, never the VIP\'s', () => {
    const { filter, settings } = effectiveFlowFilter(conf(''), own);
    expect(settings.protocols).toBeUndefined();
    expect(settings.tcpStates).toBeUndefined();
    expect(filter.acceptsEntry(flow('192.0.2.10', '198.51.100.2'))).toBe(true);
    expect(filter.acceptsEntry(flow('192.0.2.10', '192.0.2.254', 6, 3, '192.0.2.254'))).toBe(true);
    expect(filter.acceptsEntry(flow('198.51.100.1', '198.51.100.2'))).toBe(false);
    expect(filter.acceptsEntry(flow('192.0.2.10', '192.0.2.1', 6, 3, '192.0.2.1'))).toBe(false);
    expect(filter.acceptsEntry(flow('203.0.113.2', '203.0.113.1', 17))).toBe(false);
    expect(filter.acceptsEntry(flow('127.0.0.1', '127.0.0.1'))).toBe(false);
  });

  it('applies [filter] protocols, tcp-states and ignore', () => {
    const { filter } = effectiveFlowFilter(conf('protocols = tcp\ntcp-states = established\nignore = 192.0.2.128/26'), own);
    expect(filter.acceptsEntry(flow('192.0.2.10', '198.51.100.2', 6, 3))).toBe(true);
    expect(filter.acceptsEntry(flow('192.0.2.10', '198.51.100.2', 6, 7))).toBe(false);
    expect(filter.acceptsEntry(flow('192.0.2.10', '198.51.100.2', 17))).toBe(false);
    expect(filter.acceptsEntry(flow('192.0.2.150', '198.51.100.2'))).toBe(false);
  });

  it('reads the addresses of this network namespace', () => {
    expect(localAddresses().map((a) => a.text)).toContain('127.0.0.1');
  });
});
