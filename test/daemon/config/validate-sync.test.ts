// [node], [sync] and [sync2]: identities, peers or multicast group, and their problems.
import { describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { isInterfaceName } from '../../../daemon/src/config/validate-sync.js';
import { MAX_PEERS } from '../../../daemon/src/sync/peer-table.js';
import { brief, MINIMAL, problemsOf } from './fixtures/problems.js';

const withSync = (lines: string): string => MINIMAL.replace(/\[sync\][^[]*/, `[sync]\n${lines}\n`);

describe('[node]', () => {
  it('takes priority from role unless priority is given', () => {
    expect(validateHalfConf(MINIMAL.replace('role = primary', 'role = backup'), 'h').node.priority).toBe(100);
    expect(validateHalfConf(MINIMAL.replace('role = primary', 'priority = 7'), 'h').node.priority).toBe(7);
    expect(validateHalfConf(MINIMAL.replace('role = primary', 'role = backup\npriority = 200'), 'h').node.priority).toBe(200);
  });

  it('rejects VRRP priority 255 (address owner) and a missing id', () => {
    expect(brief(problemsOf(MINIMAL.replace('id = 1\nrole = primary', 'priority = 255')))).toEqual([
      '1 node.id: is missing',
      '2 node.priority: "255" is not a whole number from 1 to 254',
    ]);
  });
});

describe('[sync]', () => {
  it('accepts a multicast group instead of peers', () => {
    const config = validateHalfConf(withSync('interface = sync0\naddress = 203.0.113.1\nmulticast-group = 225.0.0.50'), 'h');
    expect(config.sync.links[0].peers).toEqual([]);
    expect(config.sync.links[0].multicastGroup?.text).toBe('225.0.0.50');
    // the group is bound on the interface, not the address: a link-local address serves there
    expect(validateHalfConf(withSync('interface = sync0\naddress = fe80::1\nmulticast-group = ff02::1:3781'), 'h').sync.links[0].address.text).toBe('fe80::1');
  });

  it('refuses more peers than half-syncd keeps (MAX_PEERS)', () => {
    const peers = (n: number): string => Array.from({ length: n }, (_, i) => `198.51.100.${i + 2}`).join(' ');
    expect(validateHalfConf(withSync(`interface = sync0\naddress = 198.51.100.1\npeers = ${peers(MAX_PEERS)}`), 'h').sync.links[0].peers).toHaveLength(MAX_PEERS);
    expect(brief(problemsOf(withSync(`interface = sync0\naddress = 198.51.100.1\npeers = ${peers(MAX_PEERS + 1)}`)))).toEqual([
      `7 sync.peers: lists ${MAX_PEERS + 1} peers, but half-syncd keeps at most ${MAX_PEERS}`,
    ]);
    // one problem, not one per repeated item
    expect(brief(problemsOf(withSync(`interface = sync0\naddress = 198.51.100.1\npeers = ${'203.0.113.2 '.repeat(10_000)}`)))).toEqual([
      `7 sync.peers: lists 10000 peers, but half-syncd keeps at most ${MAX_PEERS}`,
    ]);
  });

  it('names the scope of an IPv6 group that never leaves the node, and suggests ff02::/16 or ff05::/16', () => {
    const [problem] = problemsOf(withSync('interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff0f::1'));
    expect(problem?.fix).toBe('use a link-local (ff02::/16) or site-local (ff05::/16) group, e.g. ff02::1:3781');
    expect(validateHalfConf(withSync('interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff05::1:3781'), 'h').sync.links[0].multicastGroup?.text).toBe('ff05::1:3781');
  });

  it.each([
    ['interface = sync0\naddress = 203.0.113.1', '4 sync.peers: is missing (and so is multicast-group)'],
    ['interface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2\nmulticast-group = 225.0.0.50', '8 sync.multicast-group: is set together with peers'],
    ['interface = sync0\naddress = 203.0.113.1\nmulticast-group = 203.0.113.9', '7 sync.multicast-group: 203.0.113.9 is not a multicast address'],
    ['interface = sync0\naddress = 203.0.113.1\nmulticast-group = ff02::1:3781', '7 sync.multicast-group: ff02::1:3781 is IPv6 but address is IPv4'],
    // groups the kernel never sends off the node (RFC 4291 §2.7 scopes), and IPv4's reserved base
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff01::1:3781', '7 sync.multicast-group: ff01::1:3781 has scope 1 (interface-local): the kernel never sends it off this node'],
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff00::1:3781', '7 sync.multicast-group: ff00::1:3781 has the reserved scope 0: the kernel never sends it off this node'],
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff1f::1:3781', '7 sync.multicast-group: ff1f::1:3781 has the reserved scope F: the kernel never sends it off this node'],
    ['interface = sync0\naddress = 203.0.113.1\nmulticast-group = 224.0.0.0', '7 sync.multicast-group: 224.0.0.0 is the reserved base address of multicast, not a group'],
    ['interface = sync0\naddress = 203.0.113.1\nmulticast-group = 224.0.0.18', "7 sync.multicast-group: 224.0.0.18 is in 224.0.0.0/24, the block of routing and discovery protocols on the link (224.0.0.18 is VRRP's)"],
    ['interface = sync0\naddress = 203.0.113.1\nmulticast-group = 224.0.0.1', "7 sync.multicast-group: 224.0.0.1 is in 224.0.0.0/24, the block of routing and discovery protocols on the link (224.0.0.18 is VRRP's)"],
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff02::1', '7 sync.multicast-group: ff02::1 is the all-nodes group'],
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff05::2', '7 sync.multicast-group: ff05::2 is the all-routers group'],
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff02::12', "7 sync.multicast-group: ff02::12 is VRRP's group"],
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff02::16', "7 sync.multicast-group: ff02::16 is MLDv2's group"],
    ['interface = sync0\naddress = 2001:db8::1\nmulticast-group = ff02::1:ff00:1', '7 sync.multicast-group: ff02::1:ff00:1 is a solicited-node group of neighbour discovery'],
    ['interface = sync0\naddress = 224.0.0.1\npeers = 203.0.113.2', '6 sync.address: 224.0.0.1 is not a unicast address'],
    ['interface = sync0\naddress = 203.0.113.1\npeers = 2001:db8::2', '7 sync.peers: 2001:db8::2 is IPv6 but address is IPv4'],
    ['interface = sync0\naddress = 203.0.113.1\npeers = 127.0.0.1', '7 sync.peers: 127.0.0.1 is not a unicast address'],
    // the kernel sends and filters IPv4-mapped traffic as IPv4: half.nft's ip6 rule would drop every sync frame
    ['interface = sync0\naddress = 203.0.113.1\npeers = ::ffff:203.0.113.2', '7 sync.peers: "::ffff:203.0.113.2" is an IPv4-mapped IPv6 address; write the IPv4 address 203.0.113.2'],
    ['interface = sync0\naddress = ::ffff:cb00:7101\npeers = 2001:db8::2', '6 sync.address: "::ffff:cb00:7101" is an IPv4-mapped IPv6 address; write the IPv4 address 203.0.113.1'],
    ['interface = sync0\naddress = 203.0.113.1\npeers =', '7 sync.peers: is empty'],
    ['interface = sync0\naddress = fe80::1\npeers = 2001:db8::2', '6 sync.address: fe80::1 is link-local: binding it needs a zone, which half.conf cannot give'],
    ['interface = sync0\naddress = 2001:db8::1\npeers = fe80::2', '7 sync.peers: fe80::2 is link-local: it needs a zone, which half.conf cannot give'],
    ['address = 203.0.113.1\npeers = 203.0.113.2', '4 sync.interface: is missing'],
    ['interface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2\nport = 0', '8 sync.port: "0" is not a whole number from 1 to 65535'],
    ['interface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2\nkey-file = cluster.key', '8 sync.key-file: "cluster.key" is not an absolute path without spaces or quotes'],
  ])('%s → %s', (lines, expected) => {
    expect(brief(problemsOf(withSync(lines)))).toEqual([expected]);
  });

  it('refuses the [sync] multicast group again on [sync2]', () => {
    const text = `${withSync('interface = sync0\naddress = 203.0.113.1\nmulticast-group = 239.192.0.1')}[sync2]\ninterface = sync1\naddress = 198.51.100.9\nmulticast-group = 239.192.0.1\n`;
    expect(brief(problemsOf(text))).toEqual(['13 sync2.multicast-group: 239.192.0.1 is already the [sync] group']);
    expect(validateHalfConf(text.replace(/239\.192\.0\.1\n$/, '239.192.0.2\n'), 'h').sync.links[1]?.multicastGroup?.text).toBe('239.192.0.2');
  });

  it('checks [sync2] like [sync], with its own keys only', () => {
    const text = `${MINIMAL}[sync2]\ninterface = sync1\naddress = 198.51.100.9\nport = 4000\n`;
    expect(brief(problemsOf(text))).toEqual(['10 sync2.peers: is missing (and so is multicast-group)', '13 sync2.port: is not a known key']);
    const ok = validateHalfConf(`${MINIMAL}[sync2]\ninterface = sync1\naddress = 198.51.100.9\npeers = 198.51.100.10\n`, 'h');
    expect(ok.sync.links.map((l) => l.interface)).toEqual(['sync0', 'sync1']);
  });
});

describe('[sync2] against [sync]', () => {
  const twoLinks = (sync2: string, sync = 'interface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2'): string => `${withSync(sync)}[sync2]\ninterface = sync1\n${sync2}\n`;

  it('refuses the [sync] address again, another family, and more peers than [sync] has', () => {
    expect(brief(problemsOf(twoLinks('address = 203.0.113.1\npeers = 198.51.100.10')))).toEqual(['sync2.address: 203.0.113.1 is already the [sync] address'].map((m) => expect.stringContaining(m)));
    expect(brief(problemsOf(twoLinks('address = 2001:db8::1\npeers = 2001:db8::2')))).toEqual([expect.stringContaining('sync2.address: 2001:db8::1 is IPv6 but [sync] address is IPv4')]);
    expect(brief(problemsOf(twoLinks('address = 198.51.100.9\npeers = 198.51.100.10 198.51.100.11')))).toEqual([expect.stringContaining('sync2.peers: lists 2 peers, [sync] only 1')]);
    // the same nodes in the same order, fewer (the last nodes have no second link), or a multicast group on either link, are fine
    expect(validateHalfConf(twoLinks('address = 198.51.100.9\npeers = 198.51.100.10', 'interface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2 203.0.113.3'), 'h').sync.links).toHaveLength(2);
    expect(validateHalfConf(twoLinks('address = 198.51.100.9\npeers = 198.51.100.10 198.51.100.11', 'interface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2 203.0.113.3'), 'h').sync.links).toHaveLength(2);
    expect(validateHalfConf(twoLinks('address = 198.51.100.9\nmulticast-group = 239.192.0.2', 'interface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2 203.0.113.3'), 'h').sync.links).toHaveLength(2);
  });

  it('refuses an address [sync] already names: this node as a peer, a peer again, this node\'s [sync2] address as a [sync] peer', () => {
    expect(brief(problemsOf(twoLinks('address = 198.51.100.9\npeers = 203.0.113.1')))).toEqual([expect.stringContaining('sync2.peers: 203.0.113.1 is already [sync] address (this node)')]);
    expect(brief(problemsOf(twoLinks('address = 198.51.100.9\npeers = 203.0.113.2')))).toEqual([expect.stringContaining('sync2.peers: 203.0.113.2 is already a [sync] peer')]);
    expect(brief(problemsOf(twoLinks('address = 203.0.113.2\npeers = 198.51.100.10')))).toEqual([expect.stringContaining('sync2.address: 203.0.113.2 is already a [sync] peer')]);
  });
});

describe('isInterfaceName', () => {
  it.each([['eth0', true], ['enp3s0f1.100', true], ['br-lan_2', true], ['abcdefghijklmno', true], ['abcdefghijklmnop', false], ['eth 0', false], ['a/b', false], ['eth0:1', false], ['..', false], ['', false]])(
    '%s → %s',
    (name, ok) => expect(isInterfaceName(name)).toBe(ok),
  );
});
