// IP address and prefix parsing: validity agrees with Node's own parser (net.isIP) on tricky and
// random inputs, IPv6 text comes out as the WHATWG URL parser (RFC 5952 rules) prints it, and
// prefix arithmetic is checked on known cases.
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isMulticast, isSpecial, networkOf, parseIpAddress, parseIpPrefix, prefixContains, readIpAddress } from '../../../daemon/src/config/ip-address.js';

const TRICKY = [
  '192.0.2.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', ' 1.2.3.4',
  '::', '::1', '1::', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:db8:0:0:1:0:0:1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::2::3', ':1::2', '1:::2', '12345::1', 'g::1', '::ffff:192.0.2.1',
  '64:ff9b::198.51.100.7', '1:2:3:4:5:6:192.0.2.1', '1:2:3:4:5:6:7:192.0.2.1', '::192.0.2.300', '',
];

function randomAddressText(random: () => number): string {
  if (random() < 0.3) return Array.from({ length: 4 }, () => String(Math.floor(random() * 300))).join('.');
  const groups = Array.from({ length: 8 }, () => (random() < 0.4 ? 0 : Math.floor(random() * 0x10000)).toString(16));
  let text = groups.join(':');
  if (random() < 0.5) text = text.replace(/(^|:)0(:0)+(:|$)/, '::');
  return text;
}

describe('parseIpAddress', () => {
  it.each(TRICKY)('agrees with net.isIP on %j', (text) => {
    const parsed = parseIpAddress(text);
    expect(parsed === undefined ? 0 : parsed.family).toBe(isIP(text));
  });

  it('prints IPv6 as the URL parser does (RFC 5952), on 2000 random addresses', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const text = randomAddressText(random);
      const parsed = parseIpAddress(text);
      expect(parsed === undefined ? 0 : parsed.family, text).toBe(isIP(text));
      if (parsed?.family === 6) expect(parsed.text, text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
      if (parsed?.family === 4) expect(parsed.text).toBe(text);
    }
  });

  it('keeps bytes in network order', () => {
    expect([...(parseIpAddress('::ffff:192.0.2.1')?.bytes ?? [])]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
    expect(parseIpAddress('2001:DB8::A')?.text).toBe('2001:db8::a');
    // Unlike net.isIP, a zone index is refused: half.conf addresses are global, never link-local scoped.
    expect(parseIpAddress('fe80::1%eth0')).toBeUndefined();
  });
});

describe('readIpAddress', () => {
  it('refuses IPv4-compatible IPv6 addresses (deprecated), and still reads :: and ::1', () => {
    for (const text of ['::c000:201', '::192.0.2.1', '0:0:0:0:0:0:c000:201']) {
      expect(readIpAddress(text)).toEqual({ ok: false, reason: `"${text}" is an IPv4-compatible IPv6 address (deprecated, RFC 4291 §2.5.5.1); write the IPv4 address 192.0.2.1, or a real IPv6 address` });
    }
    expect(readIpAddress('::')).toMatchObject({ ok: true });
    expect(readIpAddress('::1')).toMatchObject({ ok: true });
    expect(readIpAddress('::2')).toMatchObject({ ok: false });
    expect(parseIpPrefix('::/0')).toMatchObject({ ok: true });
  });

  it('refuses IPv4-mapped IPv6 addresses with their IPv4 form, in every spelling', () => {
    for (const text of ['::ffff:203.0.113.2', '::FFFF:cb00:7102', '0:0:0:0:0:ffff:203.0.113.2']) {
      expect(readIpAddress(text)).toEqual({ ok: false, reason: `"${text}" is an IPv4-mapped IPv6 address; write the IPv4 address 203.0.113.2` });
    }
    // the fix keeps the prefix length, translated: /120 of the mapped range is /24 of IPv4
    expect(parseIpPrefix('::ffff:192.0.2.254/120')).toEqual({ ok: false, reason: '"::ffff:192.0.2.254/120" is an IPv4-mapped IPv6 prefix; write the IPv4 prefix 192.0.2.254/24' });
    expect(parseIpPrefix('::ffff:198.51.100.0/120')).toEqual({ ok: false, reason: '"::ffff:198.51.100.0/120" is an IPv4-mapped IPv6 prefix; write the IPv4 prefix 198.51.100.0/24' });
    expect(parseIpPrefix('::ffff:198.51.100.7/128')).toEqual({ ok: false, reason: '"::ffff:198.51.100.7/128" is an IPv4-mapped IPv6 prefix; write the IPv4 prefix 198.51.100.7/32' });
    // no length, or one shorter than the mapped range: the address alone, as before
    expect(parseIpPrefix('::ffff:198.51.100.7')).toEqual({ ok: false, reason: '"::ffff:198.51.100.7" is an IPv4-mapped IPv6 address; write the IPv4 address 198.51.100.7' });
    expect(parseIpPrefix('::ffff:198.51.100.7/64')).toEqual({ ok: false, reason: '"::ffff:198.51.100.7" is an IPv4-mapped IPv6 address; write the IPv4 address 198.51.100.7' });
  });

  it('takes addresses next to the mapped range', () => {
    expect(readIpAddress('::fffe:203.0.113.2')).toMatchObject({ ok: true, address: { family: 6 } });
    expect(readIpAddress('::1:ffff:203.0.113.2')).toMatchObject({ ok: true, address: { family: 6 } });
    expect(readIpAddress('64:ff9b::203.0.113.2')).toMatchObject({ ok: true, address: { family: 6 } });
    expect(readIpAddress('203.0.113.2')).toMatchObject({ ok: true, address: { family: 4, text: '203.0.113.2' } });
    expect(readIpAddress('203.0.113')).toEqual({ ok: false, reason: '"203.0.113" is not an IPv4 or IPv6 address' });
  });
});

describe('parseIpPrefix', () => {
  it('reads lengths and defaults to a host prefix', () => {
    expect(parseIpPrefix('192.0.2.254/24')).toMatchObject({ ok: true, prefix: { length: 24, text: '192.0.2.254/24' } });
    expect(parseIpPrefix('2001:db8::1')).toMatchObject({ ok: true, prefix: { length: 128 } });
    expect(parseIpPrefix('192.0.2.1', { requireLength: true })).toEqual({ ok: false, reason: '"192.0.2.1" has no prefix length' });
    expect(parseIpPrefix('192.0.2.1/33')).toEqual({ ok: false, reason: '"/33" is not a prefix length for IPv4 (0-32)' });
    expect(parseIpPrefix('192.0.2.1/024').ok).toBe(false);
    expect(parseIpPrefix('198.51.100.999/24')).toEqual({ ok: false, reason: '"198.51.100.999" is not an IPv4 or IPv6 address' });
  });

  it('computes networks and containment', () => {
    const p = (text: string) => {
      const r = parseIpPrefix(text);
      if (!r.ok) throw new Error(r.reason);
      return r.prefix;
    };
    const a = (text: string) => parseIpAddress(text) ?? (() => { throw new Error(text); })();
    expect(networkOf(p('192.0.2.77/26')).text).toBe('192.0.2.64/26');
    expect(networkOf(p('2001:db8::ffff/113')).text).toBe('2001:db8::8000/113');
    expect(prefixContains(p('198.51.100.0/25'), a('198.51.100.127'))).toBe(true);
    expect(prefixContains(p('198.51.100.0/25'), a('198.51.100.128'))).toBe(false);
    expect(prefixContains(p('0.0.0.0/0'), a('203.0.113.9'))).toBe(true);
    expect(prefixContains(p('0.0.0.0/0'), a('::1'))).toBe(false);
    expect(isMulticast(a('224.0.0.18'))).toBe(true);
    expect(isMulticast(a('ff02::12'))).toBe(true);
    expect(isMulticast(a('192.0.2.1'))).toBe(false);
    expect(isSpecial(a('127.0.0.1'))).toBe(true);
    expect(isSpecial(a('::'))).toBe(true);
    expect(isSpecial(a('203.0.113.1'))).toBe(false);
  });
});
