import { describe, expect, it } from 'vitest';
import type { AptSource } from '../../../repo-tool/src/apt/apt-source.js';
import {
  findDebianArchive,
  isDebianReleaseSuite,
  requireDebianArchive,
} from '../../../repo-tool/src/apt/debian-archive.js';
import { parseSourcesDeb822 } from '../../../repo-tool/src/apt/sources-deb822.js';
import { parseSourcesList } from '../../../repo-tool/src/apt/sources-list.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';

const list = (text: string): AptSource[] => parseSourcesList(text, 'sources.list');

describe('isDebianReleaseSuite', () => {
  it.each(['bookworm', 'trixie', 'sid', 'stable', 'stable-updates', 'bookworm-backports', 'trixie-proposed-updates'])(
    '%s is a Debian release suite',
    (suite) => expect(isDebianReleaseSuite(suite)).toBe(true),
  );
  it.each(['bookworm-security', 'buster/updates', 'focal', 'nodistro', './', 'half', 'cloud-sdk-bookworm'])(
    '%s is not',
    (suite) => expect(isDebianReleaseSuite(suite)).toBe(false),
  );
});

describe('findDebianArchive', () => {
  it('picks the main archive, never the security archive listed first', () => {
    const sources = list(
      'deb http://mirror.invalid/debian-security bookworm-security main\n' +
        'deb [signed-by=/k.gpg] http://mirror.invalid/debian/ bookworm main\n',
    );
    const archive = findDebianArchive(sources);
    expect(archive?.uri).toBe('http://mirror.invalid/debian');
    expect(archive?.source.signedBy).toBe('/k.gpg');
    expect(archive?.source.origin).toBe('sources.list:2');
  });

  it('skips disabled stanzas, deb-src only entries and entries without main', () => {
    const sources = parseSourcesDeb822(
      [
        'Types: deb\nURIs: http://off.invalid/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n',
        'Types: deb-src\nURIs: http://src.invalid/debian\nSuites: bookworm\nComponents: main\n',
        'Types: deb\nURIs: http://contrib.invalid/debian\nSuites: bookworm\nComponents: contrib non-free\n',
        'Types: deb\nURIs: http://on.invalid/debian\nSuites: bookworm\nComponents: main\n',
      ].join('\n'),
      'debian.sources',
    );
    expect(findDebianArchive(sources)?.uri).toBe('http://on.invalid/debian');
  });

  it('prefers a plain codename entry to an -updates-only entry, and http to other schemes', () => {
    const sources = list(
      'deb file:/srv/mirror/debian bookworm main\n' +
        'deb http://updates.invalid/debian bookworm-updates main\n' +
        'deb http://plain.invalid/debian bookworm main\n',
    );
    expect(findDebianArchive(sources)?.uri).toBe('http://plain.invalid/debian');
    expect(findDebianArchive(list('deb http://updates.invalid/debian bookworm-updates main\n'))?.uri).toBe(
      'http://updates.invalid/debian',
    );
  });

  it('ignores third-party repositories', () => {
    expect(findDebianArchive(list('deb https://vendor.invalid/apt cloud-sdk-bookworm main\n'))).toBeUndefined();
  });
});

describe('requireDebianArchive', () => {
  it('names the files read and the --mirror fix when nothing qualifies', () => {
    const sources = list('deb http://mirror.invalid/debian-security bookworm-security main\n');
    try {
      requireDebianArchive(sources, ['/etc/apt/sources.list', '/etc/apt/sources.list.d/x.sources']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('read /etc/apt/sources.list, /etc/apt/sources.list.d/x.sources');
      expect((error as ConfigError).hint).toContain('--mirror URL');
    }
    expect(() => requireDebianArchive([], [])).toThrow(/no apt sources file was found/);
  });
});
