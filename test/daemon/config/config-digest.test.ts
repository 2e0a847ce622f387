// The digest half-syncd reports of the configuration it runs with: the meaning of half.conf and
// the key, not the file's layout or path.
import { describe, expect, it } from 'vitest';
import { configDigest } from '../../../daemon/src/config/config-digest.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { fixtureText } from './fixtures/configs.js';

const key = new Uint8Array(32).fill(7);

describe('configDigest', () => {
  const text = fixtureText('two-lan-wan');
  const digest = configDigest(validateHalfConf(text, '/etc/half/half.conf'), key);

  it('is the same for the same meaning: comments, blank lines, another path', () => {
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(configDigest(validateHalfConf(`# a comment\n\n${text}`, '/tmp/elsewhere.conf'), key)).toBe(digest);
  });

  it('changes with any setting, and with the key', () => {
    expect(configDigest(validateHalfConf(text.replace('[sync]\n', '[sync]\nport = 4000\n'), '/etc/half/half.conf'), key)).not.toBe(digest);
    expect(configDigest(validateHalfConf(text.replace('ignore = 192.0.2.10 ', 'ignore = 192.0.2.11 '), '/etc/half/half.conf'), key)).not.toBe(digest);
    expect(configDigest(validateHalfConf(text, '/etc/half/half.conf'), new Uint8Array(32).fill(8))).not.toBe(digest);
  });
});
