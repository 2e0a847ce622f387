import { describe, expect, it } from 'vitest';
import { parseSourcesList } from '../../../repo-tool/src/apt/sources-list.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';

describe('parseSourcesList', () => {
  it('reads type, options, URI, suite and components, skipping comments', () => {
    const text = [
      '# the Debian archive',
      'deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.invalid/debian bookworm main contrib # trailing',
      '',
      '#deb http://old.invalid/debian sid main',
      '   deb-src http://mirror.invalid/debian bookworm main',
    ].join('\n');
    const entries = parseSourcesList(text, '/etc/apt/sources.list');
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      types: ['deb'],
      uris: ['http://mirror.invalid/debian'],
      suites: ['bookworm'],
      components: ['main', 'contrib'],
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
      enabled: true,
      options: { arch: 'amd64,arm64', 'signed-by': '/usr/share/keyrings/debian-archive-keyring.gpg' },
      origin: '/etc/apt/sources.list:2',
    });
    expect(entries[1]?.types).toEqual(['deb-src']);
    expect(entries[1]?.signedBy).toBeUndefined();
    expect(entries[1]?.origin).toBe('/etc/apt/sources.list:5');
  });

  it('accepts spaces inside the brackets and +=/-= options', () => {
    const [entry] = parseSourcesList('deb [ trusted=yes arch+=i386 lang-=de ] file:/srv/repo ./\n', 'x.list');
    expect(entry?.options).toEqual({ trusted: 'yes', 'arch+': 'i386', 'lang-': 'de' });
    expect(entry?.suites).toEqual(['./']);
    expect(entry?.components).toEqual([]);
  });

  it.each([
    ['rpm http://mirror.invalid/x stable main', /x\.list:1: unknown source type "rpm"/],
    ['deb [arch=amd64 http://mirror.invalid/debian bookworm main', /never closed/],
    ['deb [arch] http://mirror.invalid/debian bookworm main', /option "arch" is not name=value/],
    ['deb', /the URI is missing/],
    ['deb http://mirror.invalid/debian', /the suite is missing/],
    ['deb http://mirror.invalid/debian bookworm', /suite "bookworm" has no component/],
    ['deb http://mirror.invalid/debian ./ main', /exact path/],
  ])('rejects %j with a ConfigError naming file and line', (line, message) => {
    const parse = (): unknown => parseSourcesList(`${line}\n`, 'x.list');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });

  it('gives the fix in the hint', () => {
    try {
      parseSourcesList('deb http://mirror.invalid/debian\n', '/etc/apt/sources.list');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('/etc/apt/sources.list:1');
      expect((error as ConfigError).hint).toContain('sources.list(5)');
    }
  });
});
