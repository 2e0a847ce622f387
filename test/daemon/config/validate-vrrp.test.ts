// [vrrp] and [vips]: election settings, virtual addresses per interface, and their problems.
import { describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { brief, MINIMAL, problemsOf } from './fixtures/problems.js';

const withVrrp = (lines: string): string => `${MINIMAL}[vrrp]\n${lines}\n`;
const withVips = (lines: string): string => MINIMAL.replace('lan0 = 192.0.2.254/24', lines);

describe('[vrrp]', () => {
  it('reads centisecond intervals, booleans in several spellings and choices in any case', () => {
    const config = validateHalfConf(withVrrp('advert-interval = 0.05s\npreempt = OFF\nadverts = Sync-Link\nnotify = both'), 'h');
    expect(config.vrrp).toMatchObject({ advertIntervalSeconds: 0.05, preempt: false, adverts: 'sync-link', notify: 'both' });
  });

  it.each([
    ['advert-interval = 0.005', '11 vrrp.advert-interval: "0.005" is not a number of seconds from 0.01 to 40.95 (2 decimals at most)'],
    ['router-id = 0', '11 vrrp.router-id: "0" is not a whole number from 1 to 255'],
    ['notify = syslog', '11 vrrp.notify: "syslog" is not one of fifo, script, both'],
    ['notify-fifo = /run/half/my fifo', '11 vrrp.notify-fifo: "/run/half/my" is not an absolute path without spaces or quotes'],
    ['notify-fifo = /run/half/k!fifo', '11 vrrp.notify-fifo: "/run/half/k!fifo" has a character keepalived.conf would misread (only letters, digits and _ . / + - @ : pass)'],
    ['resync-file = /var/lib/half/pending#1', '11 vrrp.resync-file: "/var/lib/half/pending#1" has a character keepalived.conf would misread (only letters, digits and _ . / + - @ : pass)'],
    ['notify-script = /usr/sbin/x}', '11 vrrp.notify-script: "/usr/sbin/x}" has "}", which sh reads as syntax'],
    ['notify-script = /usr/sbin/x=1', '11 vrrp.notify-script: "/usr/sbin/x=1" has a character keepalived.conf would misread (only letters, digits and _ . / + - @ : pass)'],
    ['resync-file = resync-pending', '11 vrrp.resync-file: "resync-pending" is not an absolute path without spaces or quotes'],
    ['resync-file = /run/half/half.sock', '11 vrrp.resync-file: /run/half/half.sock is also daemon.control-socket'],
    // keepalived writes "1" over its track file at every start
    ['resync-file = /usr/sbin/half-notify', '11 vrrp.resync-file: /usr/sbin/half-notify is also vrrp.notify-script'],
    // `half configure --root IMAGE` would write outside the image
    ['resync-file = /../../tmp/x', '11 vrrp.resync-file: "/../../tmp/x" has an empty, "." or ".." part'],
    ['notify-fifo = /run/half/./k.fifo', '11 vrrp.notify-fifo: "/run/half/./k.fifo" has an empty, "." or ".." part'],
    ['notify-fifo = /run//half/k.fifo', '11 vrrp.notify-fifo: "/run//half/k.fifo" has an empty, "." or ".." part'],
  ])('%s → %s', (line, expected) => {
    const problems = brief(problemsOf(withVrrp(line)));
    expect(problems).toEqual([expected.replace('"/run/half/my"', '"/run/half/my fifo"')]);
  });

  it('reads the failback gate\'s resync file (the track file half-syncd writes and keepalived reads)', () => {
    expect(validateHalfConf(MINIMAL, 'h').vrrp.resyncFile).toBe('/var/lib/half/resync-pending');
    expect(validateHalfConf(withVrrp('resync-file = /run/half/resync-pending'), 'h').vrrp.resyncFile).toBe('/run/half/resync-pending');
  });

  it('refuses a resync file outside /run/half and /var/lib/half: keepalived writes "1" over it at every start', () => {
    for (const path of ['/etc/passwd', '/var/lib/halfway/pending', '/run/half', '/tmp/resync-pending']) {
      const problems = problemsOf(withVrrp(`resync-file = ${path}`));
      expect(brief(problems)).toEqual([`11 vrrp.resync-file: ${path} is outside /run/half or /var/lib/half: keepalived (track_file, init_file 1 overwrite) would write "1" over it at every start`]);
      expect(problems[0]?.fix).toBe('put it below /run/half or /var/lib/half, e.g. the default /var/lib/half/resync-pending');
    }
    // half-syncd adds its --state-dir (tests run it in a temporary one)
    expect(validateHalfConf(withVrrp('resync-file = /srv/state/resync-pending'), 'h', { writableDirs: ['/srv/state/'] }).vrrp.resyncFile).toBe('/srv/state/resync-pending');
    expect(validateHalfConf(withVrrp('resync-file = /var/lib/half/x'), 'h').vrrp.resyncFile).toBe('/var/lib/half/x');
  });

  it('fits the advertised addresses of each instance in one advert (255 at most)', () => {
    const v4 = (n: number, third: number): string => Array.from({ length: n }, (_, i) => `198.51.${third}.${i + 1}/24`).join(' ');
    const v6 = (n: number): string => Array.from({ length: n }, (_, i) => `2001:db8::${(i + 1).toString(16)}/64`).join(' ');
    const syncLink = '[vrrp]\nadverts = sync-link\n';
    // per interface: its own family counts (IPv6 beside IPv4 moves unadvertised, without a cap)
    expect(() => validateHalfConf(withVips(`lan0 = ${v4(200, 1)}\nwan0 = ${v4(200, 2)} ${v6(300)}`), 'h')).not.toThrow();
    expect(brief(problemsOf(withVips(`lan0 = ${v4(200, 1)}\nwan0 = ${v6(256)}`)))).toEqual([
      '10 vips.wan0: names 256 IPv6 addresses, but one VRRP advert names at most 255',
    ]);
    // over the sync link, one advert carries every address of the link's family
    expect(brief(problemsOf(withVips(`lan0 = ${v4(200, 1)}\nwan0 = ${v4(56, 2)}`) + syncLink))).toEqual([
      '12 vrrp.adverts: sync-link puts all 256 IPv4 virtual addresses in one VRRP advert, which names at most 255',
    ]);
    expect(() => validateHalfConf(withVips(`lan0 = ${v4(200, 1)}\nwan0 = ${v4(55, 2)}`) + syncLink, 'h')).not.toThrow();
  });

  it('needs a VIP of the sync family to advertise over the sync link', () => {
    expect(brief(problemsOf(withVips('lan0 = 2001:db8::fe/64') + '[vrrp]\nadverts = sync-link\n'))).toEqual([
      '11 vrrp.adverts: sync-link sends IPv4 adverts but no virtual address is IPv4',
    ]);
  });
});

describe('[vips]', () => {
  it('keeps interfaces in file order with their addresses', () => {
    const config = validateHalfConf(withVips('wan0 = 198.51.100.254/24\nlan0 = 192.0.2.254/24, 2001:db8::fe/64'), 'h');
    expect(config.vips.map((v) => `${v.interface}: ${v.vips.map((p) => p.text).join(' ')}`)).toEqual([
      'wan0: 198.51.100.254/24',
      'lan0: 192.0.2.254/24 2001:db8::fe/64',
    ]);
  });

  it('keeps an interface name\'s case (Linux names are case-sensitive)', () => {
    expect(validateHalfConf(withVips('enP2p1s0 = 192.0.2.254/24'), 'h').vips[0]?.interface).toBe('enP2p1s0');
    // so two names that differ only in case are two interfaces, not one set twice
    expect(validateHalfConf(withVips('lan0 = 192.0.2.254/24\nLAN0 = 198.51.100.254/24'), 'h').vips.map((v) => v.interface)).toEqual(['lan0', 'LAN0']);
    expect(brief(problemsOf(withVips('lan0 = 192.0.2.254/24\nlan0 = 198.51.100.254/24')))).toEqual(['10 vips.lan0: set twice (first on line 9)']);
    expect(brief(problemsOf(withVips('LAN0 = 192.0.2.254/24\nLAN0 = 198.51.100.254/24')))).toEqual(['10 vips.LAN0: set twice (first on line 9)']);
  });

  it.each([
    ['lan0 = 192.0.2.254/24 192.0.2.254/25', '9 vips.lan0: 192.0.2.254 is already listed (for lan0)'],
    ['lan0 = 192.0.2.254/24\nwan0 = 192.0.2.254/24', '10 vips.wan0: 192.0.2.254 is already listed (for lan0)'],
    ['lan0 = 224.0.0.18/4', '9 vips.lan0: 224.0.0.18 is not a unicast address'],
    ['lan0 = 192.0.2.254/0', '9 vips.lan0: 192.0.2.254/0 has prefix length 0'],
    ['lan0 = 192.0.2.255/24', '9 vips.lan0: 192.0.2.255/24 is the broadcast address of its prefix: not a unicast address'],
    ['lan0 = 192.0.2.0/24', '9 vips.lan0: 192.0.2.0/24 is the network address of its prefix: not a unicast address'],
    ['lan0 = 192.0.2.63/26', '9 vips.lan0: 192.0.2.63/26 is the broadcast address of its prefix: not a unicast address'],
    ['lan0 = 240.0.0.1/24', '9 vips.lan0: 240.0.0.1 is in 240.0.0.0/4, reserved: not a unicast address'],
    ['lan0 = fe80::fe/64', '9 vips.lan0: fe80::fe is link-local: not an address to move between nodes'],
    ['lan0 = 169.254.10.10/16', '9 vips.lan0: 169.254.10.10 is link-local: not an address to move between nodes'],
    ['lan0 = ::ffff:192.0.2.254/120', '9 vips.lan0: "::ffff:192.0.2.254/120" is an IPv4-mapped IPv6 prefix; write the IPv4 prefix 192.0.2.254/24'],
    ['enP2p1s0 = 224.0.0.18/4', '9 vips.enP2p1s0: 224.0.0.18 is not a unicast address'], // named as written
    ['lan0 =', '9 vips.lan0: lists no address'],
    ['lan:0 = 192.0.2.254/24', '9 vips.lan:0: "lan:0" is not an interface name'],
    ['lan0 = 203.0.113.1/24', '9 vips.lan0: 203.0.113.1 is also sync.address'],
    // on the interface's own line, as written, also from the checks after [vips] is read
    ['enP2p1s0 = 203.0.113.1/24', '9 vips.enP2p1s0: 203.0.113.1 is also sync.address'],
    ['lan0 = 198.51.100.254/24\nLAN0 = 203.0.113.1/24', '10 vips.LAN0: 203.0.113.1 is also sync.address'],
    ['lan0 = 198.51.100.254/24\nLAN0 = 224.0.0.18/4', '10 vips.LAN0: 224.0.0.18 is not a unicast address'],
    ['', '8 [vips]: lists no interface'],
  ])('%s → %s', (lines, expected) => {
    expect(brief(problemsOf(withVips(lines)))).toEqual([expected]);
  });

  it('takes the ends of a /31 or /32 and a host address of a wider prefix', () => {
    for (const vip of ['192.0.2.0/31', '192.0.2.1/31', '192.0.2.7/32', '192.0.2.1/24', '192.0.2.62/26', '2001:db8::1/64']) {
      expect(validateHalfConf(withVips(`lan0 = ${vip}`), 'h').vips[0]?.vips[0]?.text, vip).toBe(vip);
    }
  });
});
