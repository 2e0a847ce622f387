import { describe, expect, it } from 'vitest';
import { chrootSources } from '../../../repo-tool/src/backport/chroot-sources.js';

const URI = 'http://mirror.invalid/debian';

describe('chrootSources', () => {
  it("copies the machine's keyring into the root and names the copy in Signed-By", () => {
    const result = chrootSources({ uri: URI, signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' }, 'bookworm');
    expect(result.keyrings).toEqual([
      { hostPath: '/usr/share/keyrings/debian-archive-keyring.gpg', text: undefined, chrootPath: '/etc/apt/keyrings/half-build-mirror-0.gpg' },
    ]);
    expect(result.sources).toBe(
      `Types: deb\nURIs: ${URI}\nSuites: bookworm\nComponents: main\nSigned-By: /etc/apt/keyrings/half-build-mirror-0.gpg\n`,
    );
  });

  it('keeps fingerprints as they are, .asc names for armored keyrings, and embedded keys as files', () => {
    const mixed = chrootSources({ uri: URI, signedBy: '/k/a.asc 0123456789ABCDEF0123456789ABCDEF01234567' }, 'trixie');
    expect(mixed.keyrings.map((k) => k.chrootPath)).toEqual(['/etc/apt/keyrings/half-build-mirror-0.asc']);
    expect(mixed.sources).toContain('Signed-By: /etc/apt/keyrings/half-build-mirror-0.asc 0123456789ABCDEF0123456789ABCDEF01234567\n');
    const key = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n';
    const embedded = chrootSources({ uri: URI, signedBy: key }, 'trixie');
    expect(embedded.keyrings).toEqual([{ hostPath: undefined, text: key, chrootPath: '/etc/apt/keyrings/half-backport-keyring.asc' }]);
  });

  it("leaves Signed-By out when the machine's source has none (the image's trusted keys apply)", () => {
    const none = chrootSources({ uri: URI, signedBy: undefined }, 'bookworm');
    expect(none.keyrings).toEqual([]);
    expect(none.sources).not.toContain('Signed-By');
  });
});
