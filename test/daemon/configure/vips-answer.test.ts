import { describe, expect, it } from 'vitest';
import { formatVipsAnswer, parseVipsAnswer } from '../../../daemon/src/configure/vips-answer.js';

describe('parseVipsAnswer', () => {
  it('groups addresses by interface, IPv4 and IPv6 mixed', () => {
    const parsed = parseVipsAnswer('eth0=192.0.2.254/24 2001:db8:1::fe/64  eth1=198.51.100.254/24');
    expect(parsed.ok && parsed.lines.map((l) => [l.interface, l.prefixes.map((p) => p.text)])).toEqual([
      ['eth0', ['192.0.2.254/24', '2001:db8:1::fe/64']],
      ['eth1', ['198.51.100.254/24']],
    ]);
    expect(parsed.ok && formatVipsAnswer(parsed.lines)).toBe('eth0=192.0.2.254/24 2001:db8:1::fe/64 eth1=198.51.100.254/24');
  });

  it('names what is wrong: a prefix that does not parse, a missing length, a stray address', () => {
    expect(parseVipsAnswer('eth0=192.0.2.254/33')).toEqual({ ok: false, problems: [expect.stringContaining('"/33" is not a prefix length for IPv4')] });
    expect(parseVipsAnswer('eth0=192.0.2.254')).toEqual({ ok: false, problems: [expect.stringContaining('has no prefix length')] });
    expect(parseVipsAnswer('192.0.2.254/24')).toEqual({ ok: false, problems: [expect.stringContaining('does not follow an interface')] });
    expect(parseVipsAnswer('eth0= eth0=192.0.2.1/24')).toEqual({ ok: false, problems: expect.arrayContaining([expect.stringContaining('eth0 is listed twice')]) });
    expect(parseVipsAnswer('')).toEqual({ ok: false, problems: [expect.stringContaining('no virtual address given')] });
    expect(parseVipsAnswer('eth0/x=192.0.2.1/24')).toEqual({ ok: false, problems: [expect.stringContaining('is not an interface name')] });
  });
});
