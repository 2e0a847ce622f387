// validateHalfConf: a valid file becomes a HalfConfig with defaults filled in; an invalid one
// gives HalfConfError listing every problem at once, each with file:line, section.key and a fix.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, HalfConfError } from '../../../daemon/src/config/config-error.js';
import { DEFAULTS } from '../../../daemon/src/config/half-conf.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { fixtureConfig } from './fixtures/configs.js';
import { brief, MINIMAL, problemsOf } from './fixtures/problems.js';

describe('validateHalfConf', () => {
  it('fills defaults into a minimal file', () => {
    const config = validateHalfConf(MINIMAL, '/etc/half/half.conf');
    expect(config.node).toEqual({ id: 1, priority: DEFAULTS.primaryPriority });
    expect(config.sync.port).toBe(3781);
    expect(config.sync.keyFile).toBe('/etc/half/cluster.key');
    expect(config.sync.links.map((l) => [l.interface, l.address.text, l.peers.map((p) => p.text), l.multicastGroup])).toEqual([
      ['sync0', '203.0.113.1', ['203.0.113.2'], undefined],
    ]);
    expect(config.vrrp).toEqual({
      routerId: 51, advertIntervalSeconds: 1, preempt: true, adverts: 'vip-interfaces', notify: 'fifo',
      notifyFifo: '/run/half/keepalived.fifo', notifyScript: '/usr/sbin/half-notify', resyncFile: '/var/lib/half/resync-pending',
    });
    expect(config.vips.map((v) => [v.interface, v.vips.map((p) => p.text)])).toEqual([['lan0', ['192.0.2.254/24']]]);
    expect(config.filter.ignore).toEqual([]);
    expect(config.filter.protocols).toEqual(['tcp', 'udp', 'udplite', 'icmp', 'icmpv6', 'sctp', 'dccp', 'gre']);
    expect(config.filter.tcpStates).toHaveLength(9);
    expect(config.daemon).toEqual({ mode: 'external-cache', eventReader: 'daemon', purgeDelaySeconds: 60, metricsPort: 9477, metricsAddress: '127.0.0.1', controlSocket: '/run/half/half.sock' });
  });

  it('reads every key of the fixtures', () => {
    const two = fixtureConfig('two-lan-wan');
    expect(two.filter.ignore.map((p) => p.text)).toEqual(['192.0.2.10/32', '198.51.100.0/26']);
    expect(two.filter.protocols).toEqual(['tcp', 'udp', 'icmp']);
    expect(two.filter.tcpStates).toEqual(['established', 'syn_recv', 'fin_wait']);
    expect(two.vips[0]?.vips.map((v) => v.text)).toEqual(['192.0.2.254/24', '2001:db8:1::fe/64']);
    const uni = fixtureConfig('sync-link-unicast');
    expect(uni.node.priority).toBe(90);
    expect(uni.sync).toMatchObject({ port: 3799, keyFile: '/etc/half/other.key' });
    expect(uni.sync.links[1]?.interface).toBe('sync1');
    expect(uni.vrrp).toMatchObject({ routerId: 200, advertIntervalSeconds: 0.25, preempt: false, adverts: 'sync-link', notify: 'script' });
    expect(uni.daemon).toMatchObject({ mode: 'direct', metricsPort: 0 });
    expect(fixtureConfig('single-multicast').sync.links[0].multicastGroup?.text).toBe('ff02::1:3781');
  });

  it('reports every problem of every section at once, in line order', () => {
    const text = [
      '[node]', 'id = 0', 'rol = primary',
      '[sync]', 'interface = eth 2', 'address = 203.0.113.300', 'peers = 203.0.113.2 203.0.113.2',
      '[vrrp]', 'advert-interval = 50', 'preempt = maybe', 'adverts = vip-interface',
      '[vips]', 'lan0 = 192.0.2.254',
      '[filter]', 'protocols = tcp udpp', 'ignore = 198.51.100.7/24',
      '[daemon]', 'mode = cache', 'metrics-port = 70000', 'control-socket = run/half.sock',
      '[extra]',
    ].join('\n');
    // A missing key is reported on its section's header line.
    expect(brief(problemsOf(text))).toEqual([
      '1 node.priority: is missing (and so is role)',
      '2 node.id: "0" is not a whole number from 1 to 65535',
      '3 node.rol: is not a known key',
      '5 sync.interface: "eth 2" is not an interface name',
      '6 sync.address: "203.0.113.300" is not an IPv4 or IPv6 address',
      '7 sync.peers: 203.0.113.2 is listed twice',
      '9 vrrp.advert-interval: "50" is not a number of seconds from 0.01 to 40.95 (2 decimals at most)',
      '10 vrrp.preempt: "maybe" is not yes or no',
      '11 vrrp.adverts: "vip-interface" is not one of vip-interfaces, sync-link',
      '13 vips.lan0: "192.0.2.254" has no prefix length',
      '15 filter.protocols: "udpp" is not a protocol HALF replicates',
      '16 filter.ignore: 198.51.100.7/24 has host bits set',
      '18 daemon.mode: "cache" is not one of external-cache, direct',
      '19 daemon.metrics-port: "70000" is not a whole number from 0 to 65535',
      '20 daemon.control-socket: "run/half.sock" is not an absolute path without spaces or quotes',
      '21 [extra]: is not a known section',
    ]);
  });

  it('suggests the key, value or section that was probably meant', () => {
    const problems = problemsOf(MINIMAL.replace('role = primary', 'role = primary\npriorty = 5') + '[vrrp]\nadverts = synclink\n[filtre]\n');
    expect(problems.map((p) => p.fix)).toEqual(['did you mean priority?', 'did you mean adverts = sync-link?', 'did you mean [filter]?']);
  });

  it('names the file, line, key and fix in the error message', () => {
    let error: unknown;
    try {
      validateHalfConf(MINIMAL.replace('peers = 203.0.113.2', 'peers = 203.0.113.1'), '/etc/half/half.conf');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HalfConfError);
    const problem = (error as HalfConfError).problems[0];
    expect(problem && formatProblem(problem)).toBe(
      "/etc/half/half.conf:7: sync.peers: 203.0.113.1 is this node's own address (fix: list the other nodes' addresses on this link, separated by spaces)",
    );
    expect((error as HalfConfError).message).toContain('1 problem, nothing was applied');
    expect((error as HalfConfError).exitCode).toBe(9);
  });

  it('shows control characters from the file escaped, never as terminal escapes', () => {
    const error = (() => {
      try {
        validateHalfConf(MINIMAL.replace('peers = 203.0.113.2', 'peers = no\u001b[31mred\u0000'), '/etc/half/half.conf');
      } catch (caught) {
        return caught as HalfConfError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(HalfConfError);
    expect(error?.message).toContain('sync.peers: "no\\x1b[31mred\\x00" is not an IPv4 or IPv6 address');
    expect(error?.message).not.toMatch(/[\u0000\u001b]/);
  });

  it('checks values against each other', () => {
    const text = MINIMAL.replace('lan0 = 192.0.2.254/24', 'lan0 = 203.0.113.2/24\nwan0 = 198.51.100.254/24\n') +
      '[sync2]\ninterface = sync0\naddress = 198.51.100.9\npeers = 198.51.100.10\n' +
      '[vrrp]\nrouter-id = 255\nnotify-fifo = /run/half/half.sock\n' +
      '[filter]\nignore = 198.51.100.0/24\n';
    expect(brief(problemsOf(text))).toEqual([
      '9 vips.lan0: 203.0.113.2 is also sync.peers',
      '13 sync2.interface: sync0 is already the [sync] interface',
      '17 vrrp.router-id: 255 leaves no room for 2 VRRP instances (ids 255-256)',
      '18 vrrp.notify-fifo: /run/half/half.sock is also daemon.control-socket',
      '20 filter.ignore: 198.51.100.0/24 contains the virtual address 198.51.100.254',
    ].sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0])));
  });

  it.each([
    ['[vrrp]\nresync-file = /etc/half/half.conf', '11 vrrp.resync-file: /etc/half/half.conf is half.conf: keepalived (track_file) and half-syncd would write over it'],
    ['[vrrp]\nnotify-fifo = /etc/keepalived/keepalived.conf', '11 vrrp.notify-fifo: /etc/keepalived/keepalived.conf is the keepalived.conf half configure writes: half-syncd would replace it with its fifo'],
    ['[vrrp]\nnotify-script = /etc/half/half.nft', '11 vrrp.notify-script: /etc/half/half.nft is the nftables rules half configure writes: keepalived would run it at each transition'],
    ['[daemon]\ncontrol-socket = /etc/half/iptables.rules', '11 daemon.control-socket: /etc/half/iptables.rules is the iptables rules half configure writes: half-syncd would replace it with its socket'],
    ['[sync]\nkey-file = /etc/half/ip6tables.rules', '5 sync.key-file: /etc/half/ip6tables.rules is the ip6tables rules half configure writes: half configure would write the cluster key over it'],
    ['[vrrp]\nresync-file = /etc/sysctl.d/60-half.conf', '11 vrrp.resync-file: /etc/sysctl.d/60-half.conf is the sysctl file half configure writes: keepalived (track_file) and half-syncd would write over it'],
    ['[vrrp]\nresync-file = /var/lib/half-syncd/generated', '11 vrrp.resync-file: /var/lib/half-syncd/generated is the registry of the files half configure wrote: keepalived (track_file) and half-syncd would write over it'],
    ['[vrrp]\nresync-file = /var/lib/half/generated', '11 vrrp.resync-file: /var/lib/half/generated is the registry of the files half configure wrote (its earlier place): keepalived (track_file) and half-syncd would write over it'],
    ['[vrrp]\nnotify-fifo = /etc/keepalived/keepalived.conf.half', '11 vrrp.notify-fifo: /etc/keepalived/keepalived.conf.half is where half configure puts its version of the keepalived.conf half configure writes beside an edited one: half-syncd would replace it with its fifo'],
    ['[vrrp]\nresync-file = /var/lib/half/boot-epoch', "11 vrrp.resync-file: /var/lib/half/boot-epoch is half-syncd's boot epoch (half of every sync frame's nonce): keepalived (track_file) and half-syncd would write over it"],
    ['[vrrp]\nresync-file = /etc/sysctl.d/60-half.conf.half', '11 vrrp.resync-file: /etc/sysctl.d/60-half.conf.half is where half configure puts its version of the sysctl file half configure writes beside an edited one: keepalived (track_file) and half-syncd would write over it'],
  ])('refuses a path key naming one of HALF\'s own files: %s', (lines, expected) => {
    // under the section's header, which MINIMAL may have already
    const [header] = lines.split('\n') as [string];
    const text = MINIMAL.includes(`${header}\n`) ? MINIMAL.replace(`${header}\n`, `${lines}\n`) : `${MINIMAL}${lines}\n`;
    const problems = problemsOf(text);
    expect(brief(problems)).toEqual([expected]);
    expect(problems[0]?.fix).toMatch(/^give it a file of its own, e\.g\. the default \//);
  });

  it('refuses a path key naming the half.conf being read (--config), and names the key whose default it is', () => {
    const at = (source: string, text: string): string[] => {
      try {
        validateHalfConf(text, source);
      } catch (error) {
        return (error as HalfConfError).problems.map((p) => `${p.key}: ${p.message} (fix: ${p.fix})`);
      }
      return [];
    };
    expect(at('/srv/half/test.conf', `${MINIMAL}[vrrp]\nresync-file = /srv/half/test.conf\n`)).toEqual([
      'vrrp.resync-file: /srv/half/test.conf is the half.conf being read: keepalived (track_file) and half-syncd would write over it (fix: give it a file of its own, e.g. the default /var/lib/half/resync-pending)',
    ]);
    expect(at('/run/half/half.sock', MINIMAL)).toEqual([
      'daemon.control-socket: /run/half/half.sock is the half.conf being read: half-syncd would replace it with its socket (fix: set it to a file of its own, or keep half.conf elsewhere)',
    ]);
    // and the half.nft half configure writes beside it
    expect(at('/srv/half/test.conf', `${MINIMAL}[vrrp]\nresync-file = /srv/half/half.nft\n`)).toEqual([
      'vrrp.resync-file: /srv/half/half.nft is the nftables rules half configure writes: keepalived (track_file) and half-syncd would write over it (fix: give it a file of its own, e.g. the default /var/lib/half/resync-pending)',
    ]);
    // a relative --config is read from the working directory, and compared as the file there
    expect(at('test.conf', `${MINIMAL}[vrrp]\nresync-file = ${resolve('test.conf')}\n`)).toEqual([
      `vrrp.resync-file: ${resolve('test.conf')} is the half.conf being read: keepalived (track_file) and half-syncd would write over it (fix: give it a file of its own, e.g. the default /var/lib/half/resync-pending)`,
    ]);
    expect(at('conf/test.conf', `${MINIMAL}[vrrp]\nresync-file = ${resolve('conf/half.nft')}\n`)).toEqual([
      `vrrp.resync-file: ${resolve('conf/half.nft')} is the nftables rules half configure writes: keepalived (track_file) and half-syncd would write over it (fix: give it a file of its own, e.g. the default /var/lib/half/resync-pending)`,
    ]);
    expect(at('half.conf', MINIMAL)).toEqual([]);
  });

  it('reports a path that is both another key\'s and one of HALF\'s own files once', () => {
    expect(brief(problemsOf(`${MINIMAL}[vrrp]\nresync-file = /etc/half/half.nft\nnotify-fifo = /etc/half/half.nft\n`))).toEqual([
      '11 vrrp.resync-file: /etc/half/half.nft is the nftables rules half configure writes: keepalived (track_file) and half-syncd would write over it',
      '12 vrrp.notify-fifo: /etc/half/half.nft is the nftables rules half configure writes: half-syncd would replace it with its fifo',
    ]);
  });

  it('reports a missing [sync] and [vips]', () => {
    expect(brief(problemsOf('[node]\nid = 1\nrole = backup\n'))).toEqual([
      '- [sync]: is missing',
      '- [vips]: is missing: the cluster has no virtual address to move',
    ]);
  });
});
