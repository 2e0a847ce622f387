// What a valid half.conf names that this machine lacks now, said (not refused) by `half configure`
// and the package's configure: facts captured from a real firewall (ip -j addr).
import { describe, expect, it } from 'vitest';
import { parseIpAddress } from '../../../daemon/src/config/ip-address.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import type { AddressFact, MachineFacts } from '../../../daemon/src/configure/machine-facts.js';
import { machineWarnings } from '../../../daemon/src/configure/machine-warnings.js';
import { capturedFirewall, withInterface } from './helpers/facts.js';
import { PRIMARY_CONF } from './helpers/node-root.js';

const warningsOf = (text: string, facts: MachineFacts = capturedFirewall()) => machineWarnings(validateHalfConf(text, '/etc/half/half.conf'), facts);

function addressFact(text: string, length: number, scope: string): AddressFact {
  const address = parseIpAddress(text);
  if (address === undefined) throw new Error(`${text} is no address`);
  return { address, prefix: { address, length, text: `${text}/${length}` }, scope };
}

describe('machineWarnings', () => {
  it('has nothing to say when the interfaces and the sync address are there', () => {
    expect(warningsOf(PRIMARY_CONF)).toEqual([]);
  });

  it('names a sync address not on its interface, a missing sync interface and a missing VIP interface', () => {
    expect(warningsOf(PRIMARY_CONF.replace('address = 203.0.113.1', 'address = 203.0.113.9'))).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[sync\] address 203\.0\.113\.9 is not on eth2 now \(it has 203\.0\.113\.1, fe80::d0a6:a6ff:feb6:1ef2\); .*add the address, or correct \[sync\] address$/),
    ]);
    expect(warningsOf(PRIMARY_CONF.replace('interface = eth2', 'interface = eth9'))).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[sync\] interface eth9 is not on this machine \(it has: eth0, eth1, eth2, eth3\); .*create the interface, or correct \[sync\] interface$/),
    ]);
    expect(warningsOf(PRIMARY_CONF.replace('eth1 = 198.51.100.254/24', 'eth7 = 198.51.100.254/24'))).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[vips\] eth7 is not an interface of this machine .*correct \[vips\]$/),
    ]);
  });

  it('names a VIP of half.conf that is the default gateway (keepalived would take the router\'s address)', () => {
    expect(warningsOf(PRIMARY_CONF.replace('eth1 = 198.51.100.254/24', 'eth1 = 198.51.100.100/24'))).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[vips\] eth1 = 198\.51\.100\.100\/24 is the address of this machine's default gateway .*pick a free address in \[vips\] eth1/),
    ]);
  });

  it('names a VIP interface without the address its VRRP adverts are sent from (keepalived: FAULT, so never MASTER)', () => {
    // eth3 has only its IPv6 link-local address
    const onEth3 = (vips: string): string => PRIMARY_CONF.replace('eth1 = 198.51.100.254/24', `eth3 = ${vips}`);
    expect(warningsOf(onEth3('198.51.100.254/24'))).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[vips\] eth3 has no IPv4 address of its own, which keepalived sends its IPv4 VRRP adverts from; .*FAULT.*never become MASTER: add a fixed IPv4 address to eth3 .*or set \[vrrp\] adverts = sync-link$/),
    ]);
    // IPv6 adverts go out from the link-local address, which is enough
    expect(warningsOf(onEth3('2001:db8:3::fe/64'))).toEqual([]);
    const noLinkLocal = withInterface(capturedFirewall(), 'eth3', (i) => ({ ...i, addresses: [] }));
    expect(warningsOf(onEth3('2001:db8:3::fe/64'), noLinkLocal)).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[vips\] eth3 has no IPv6 link-local address, .*FAULT.*never become MASTER: enable IPv6 on eth3 .*or set \[vrrp\] adverts = sync-link$/),
    ]);
    // a VIP on the interface (this node is MASTER now) is no address of its own: gone after a restart
    const onlyVip = withInterface(capturedFirewall(), 'eth1', (i) => ({ ...i, addresses: [addressFact('198.51.100.254', 24, 'global'), addressFact('fe80::1', 64, 'link')] }));
    expect(warningsOf(PRIMARY_CONF, onlyVip)).toEqual([expect.stringContaining('[vips] eth1 has no IPv4 address of its own')]);
    // eth0's instance advertises IPv4 (it has IPv4 VIPs), from 192.0.2.1: no IPv6 needed there either
    expect(warningsOf(PRIMARY_CONF, withInterface(capturedFirewall(), 'eth0', (i) => ({ ...i, addresses: i.addresses.filter((a) => a.address.family === 4) })))).toEqual([]);
    // adverts = sync-link: one instance on the sync link, whose address is checked as [sync] address
    expect(warningsOf(onEth3('198.51.100.254/24').replace('[vips]', '[vrrp]\nadverts = sync-link\n\n[vips]'))).toEqual([]);
  });

  it('names a FIFO, resync file or control socket the shipped unit keeps half-syncd from making, or hides in its private /tmp', () => {
    expect(warningsOf(PRIMARY_CONF.replace('[vips]', '[vrrp]\nnotify-fifo = /tmp/half.fifo\nresync-file = /run/half/resync\n\n[daemon]\ncontrol-socket = /var/run/half.sock\n\n[vips]'))).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[vrrp\] notify-fifo \/tmp\/half\.fifo is outside \/run\/half and \/var\/lib\/half, .*PrivateTmp=yes.*put it below \/run\/half$/),
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[daemon\] control-socket \/var\/run\/half\.sock is outside /),
    ]);
    // a FIFO keepalived is not told to write (notify = script) does not matter
    expect(warningsOf(PRIMARY_CONF.replace('[vips]', '[vrrp]\nnotify = script\nnotify-fifo = /tmp/half.fifo\n\n[vips]'))).toEqual([]);
  });
});
