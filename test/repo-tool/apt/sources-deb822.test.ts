import { describe, expect, it } from 'vitest';
import { parseSourcesDeb822 } from '../../../repo-tool/src/apt/sources-deb822.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';

const MACHINE_LIKE = `Types: deb
# a comment inside a stanza, as Debian's cloud images write them
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe('parseSourcesDeb822', () => {
  it('reads every stanza with its line of origin', () => {
    const entries = parseSourcesDeb822(MACHINE_LIKE, '/etc/apt/sources.list.d/debian.sources');
    expect(entries.map((e) => [e.uris, e.suites, e.components, e.origin])).toEqual([
      [['http://mirror.invalid/debian'], ['bookworm', 'bookworm-updates'], ['main'], '/etc/apt/sources.list.d/debian.sources:1'],
      [['http://mirror.invalid/debian-security'], ['bookworm-security'], ['main'], '/etc/apt/sources.list.d/debian.sources:8'],
    ]);
    expect(entries[0]?.signedBy).toBe('/usr/share/keyrings/debian-archive-keyring.gpg');
    expect(entries[0]?.enabled).toBe(true);
  });

  it('honours Enabled: no, several types and URIs, multi-line lists', () => {
    const text = `Types: deb deb-src
URIs: http://a.invalid/debian
 http://b.invalid/debian
Suites: trixie
 trixie-backports
Components: main non-free-firmware
enabled: NO
`;
    const [entry] = parseSourcesDeb822(text, 'two.sources');
    expect(entry?.enabled).toBe(false);
    expect(entry?.types).toEqual(['deb', 'deb-src']);
    expect(entry?.uris).toEqual(['http://a.invalid/debian', 'http://b.invalid/debian']);
    expect(entry?.suites).toEqual(['trixie', 'trixie-backports']);
    expect(entry?.components).toEqual(['main', 'non-free-firmware']);
  });

  it('unfolds an embedded Signed-By key, " ." lines becoming empty lines', () => {
    const text = `Types: deb
URIs: http://mirror.invalid/half
Suites: stable
Components: half
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mDMEZ0000BYJKwYBBAHaRw8BAQdA
 =abcd
 -----END PGP PUBLIC KEY BLOCK-----
`;
    const [entry] = parseSourcesDeb822(text, 'half.sources');
    expect(entry?.signedBy).toBe(
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ0000BYJKwYBBAHaRw8BAQdA\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n',
    );
  });

  it('accepts an exact-path suite without Components', () => {
    const [entry] = parseSourcesDeb822('Types: deb\nURIs: file:/srv/repo\nSuites: ./\n', 'flat.sources');
    expect(entry?.suites).toEqual(['./']);
    expect(entry?.components).toEqual([]);
  });

  it.each([
    ['URIs: http://m.invalid/debian\nSuites: sid\nComponents: main\n', /flat\.sources:1: the stanza has no Types field/],
    ['Types: deb\nSuites: sid\nComponents: main\n', /no URIs field/],
    ['Types: deb\nURIs: http://m.invalid/debian\nComponents: main\n', /no Suites field/],
    ['Types: deb\nURIs: http://m.invalid/debian\nSuites: sid\n', /no Components field/],
    ['Types: deb\nURIs: file:/r\nSuites: ./\nComponents: main\n', /exact path/],
    ['Types: udeb\nURIs: http://m.invalid/debian\nSuites: sid\nComponents: main\n', /unknown type "udeb"/],
    ['Types: deb\nURIs: http://m.invalid/debian\nSuites: sid\nComponents: main\nEnabled: maybe\n', /Enabled must be/],
    ['Types: deb\nTypes: deb-src\n', /not a valid deb822 sources file.*appears twice/],
    ['Types deb\n', /not a valid deb822 sources file/],
  ])('rejects %j with a ConfigError', (text, message) => {
    const parse = (): unknown => parseSourcesDeb822(text, 'flat.sources');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });

  it('names the stanza line of a later stanza', () => {
    const text = `${MACHINE_LIKE}\n# disabled mirror\n\nTypes: deb\nURIs: http://c.invalid/debian\nSuites: sid\n`;
    expect(() => parseSourcesDeb822(text, 'm.sources')).toThrow(/m\.sources:16: the stanza has no Components field/);
  });
});
