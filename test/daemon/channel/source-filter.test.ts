import { describe, expect, it } from 'vitest';
import { normalizeAddress, sourceFilter } from '../../../daemon/src/channel/source-filter.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';

describe('sourceFilter', () => {
  it('accepts the configured peers in any spelling a socket reports, and nothing else', () => {
    const accept = sourceFilter(['203.0.113.2', 'FE80::2', '2001:db8::5']);
    expect(accept('203.0.113.2')).toBe(true);
    expect(accept('::ffff:203.0.113.2')).toBe(true);
    expect(accept('fe80::2%sync0')).toBe(true);
    expect(accept('2001:db8::5')).toBe(true);
    expect(accept('203.0.113.3')).toBe(false);
    expect(accept('::ffff:203.0.113.3')).toBe(false);
    expect(accept('fe80::3%sync0')).toBe(false);
    expect(accept('')).toBe(false);
  });

  it('refuses a configured peer that is not an IP address', () => {
    expect(() => sourceFilter(['peer.example'])).toThrow(ConfigError);
    expect(() => sourceFilter(['peer.example'])).toThrow(/peer\.example/);
  });

  it('normalises case, zone and IPv4 mapping only', () => {
    expect(normalizeAddress('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress('::ffff:1:2')).toBe('::ffff:1:2');
  });
});
