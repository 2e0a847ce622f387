// What a valid half.conf names that this machine lacks now, said (not refused) by `half configure`
// and the package's configure: facts captured from a real firewall (ip -j addr).
import { describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { machineWarnings } from '../../../daemon/src/configure/machine-warnings.js';
import { capturedFirewall } from './helpers/facts.js';
import { PRIMARY_CONF } from './helpers/node-root.js';

const warningsOf = (text: string) => machineWarnings(validateHalfConf(text, '/etc/half/half.conf'), capturedFirewall());

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

  it('names a FIFO, resync file or control socket the shipped unit keeps half-syncd from making, or hides in its private /tmp', () => {
    expect(warningsOf(PRIMARY_CONF.replace('[vips]', '[vrrp]\nnotify-fifo = /tmp/half.fifo\nresync-file = /run/half/resync\n\n[daemon]\ncontrol-socket = /var/run/half.sock\n\n[vips]'))).toEqual([
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[vrrp\] notify-fifo \/tmp\/half\.fifo is outside \/run\/half and \/var\/lib\/half, .*PrivateTmp=yes.*put it below \/run\/half$/),
      expect.stringMatching(/^\/etc\/half\/half\.conf: \[daemon\] control-socket \/var\/run\/half\.sock is outside /),
    ]);
    // a FIFO keepalived is not told to write (notify = script) does not matter
    expect(warningsOf(PRIMARY_CONF.replace('[vips]', '[vrrp]\nnotify = script\nnotify-fifo = /tmp/half.fifo\n\n[vips]'))).toEqual([]);
  });
});
