import { describe, expect, it } from 'vitest';
import { formatIPv6, parseAddress, parseIPv4, parseIPv6 } from '../../../../daemon/src/kernel/codec/ip-address.js';

const v6 = (text: string): string => formatIPv6(parseIPv6(text) as Uint8Array, 0);

describe('IP addresses', () => {
  it('formats IPv6 in RFC 5952 canonical form, as inet_ntop does', () => {
    expect(v6('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(v6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1'); // first of equal runs
    expect(v6('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // a single 0 is not compressed
    expect(v6('::')).toBe('::');
    expect(v6('::1')).toBe('::1');
    expect(v6('2001:DB8::A')).toBe('2001:db8::a');
    expect(v6('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(v6('::192.0.2.1')).toBe('::192.0.2.1');
    expect(v6('2001:db8::')).toBe('2001:db8::');
  });

  it('parses embedded IPv4 and rejects malformed text', () => {
    expect([...(parseIPv6('64:ff9b::198.51.100.7') as Uint8Array)].slice(12)).toEqual([198, 51, 100, 7]);
    for (const bad of ['', ':', ':::', '1::2::3', '2001:db8::g', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', '::1.2.3', 'fe80::1%eth0']) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
    expect(parseIPv4('192.0.2.255')).toBe(0xc00002ff);
    for (const bad of ['192.0.2', '192.0.2.256', '192.0.2.1.', '1..2.3', 'a.b.c.d', '1234.0.0.1']) expect(parseIPv4(bad), bad).toBeUndefined();
    expect(parseAddress('198.51.100.1')?.family).toBe('ipv4');
    expect(parseAddress('2001:db8::1')?.family).toBe('ipv6');
  });

  it('round-trips random addresses through bytes and text', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(16);
      // sprinkle zero groups so compression paths are exercised
      for (let g = 0; g < 8; g++) if (Math.random() < 0.5) bytes.set([Math.random() * 256, Math.random() * 256], 2 * g);
      const text = formatIPv6(bytes, 0);
      expect([...(parseIPv6(text) as Uint8Array)], text).toEqual([...bytes]);
      expect(formatIPv6(parseIPv6(text) as Uint8Array, 0)).toBe(text);
    }
  });
});
