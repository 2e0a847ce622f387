import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDirectoryRelease, formatRelease, formatReleaseDate } from '../../../repo-tool/src/repo/release.js';
import { expectGolden } from './helpers/golden.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const d = (n: number) => ({ size: n, md5: 'a'.repeat(32), sha256: 'b'.repeat(64), sha512: 'c'.repeat(128) });

describe('Release', () => {
  it('writes dates in UTC as Debian does', () => {
    expect(formatReleaseDate(new Date('2026-01-02T03:04:05Z'))).toBe('Fri, 02 Jan 2026 03:04:05 UTC');
  });

  it('writes the suite fields in order and every entry in MD5Sum, SHA256 and SHA512, sorted by path', async () => {
    const text = formatRelease({
      origin: 'HALF',
      label: 'HALF',
      suite: 'stable',
      codename: 'trixie',
      version: '13',
      description: 'HALF packages',
      date: new Date('2026-11-20T10:00:00Z'),
      validUntil: new Date('2026-11-27T10:00:00Z'),
      architectures: ['amd64', 'all'],
      components: ['half'],
      acquireByHash: true,
      entries: [
        { path: 'half/binary-amd64/Packages.xz', digests: d(123) },
        { path: 'half/binary-amd64/Packages', digests: d(4567) },
        { path: 'half/Contents-amd64', digests: d(12345678901) },
      ],
    });
    expect(text.split('\n').slice(0, 11)).toEqual([
      'Origin: HALF',
      'Label: HALF',
      'Suite: stable',
      'Version: 13',
      'Codename: trixie',
      'Date: Fri, 20 Nov 2026 10:00:00 UTC',
      'Valid-Until: Fri, 27 Nov 2026 10:00:00 UTC',
      'Acquire-By-Hash: yes',
      'Architectures: amd64 all',
      'Components: half',
      'Description: HALF packages',
    ]);
    expect(text).toContain(`MD5Sum:\n ${'a'.repeat(32)}      12345678901 half/Contents-amd64\n ${'a'.repeat(32)}             4567 half/binary-amd64/Packages\n`);
    await expectGolden(join(GOLDEN, 'Release'), text);
  });

  it('writes the per-directory Release of binary-<arch>/ and source/', async () => {
    const text = formatDirectoryRelease({ suite: 'stable', origin: 'HALF', label: 'HALF', version: '13', acquireByHash: true, component: 'half', architecture: 'amd64' });
    expect(text).toBe('Archive: stable\nOrigin: HALF\nLabel: HALF\nVersion: 13\nAcquire-By-Hash: yes\nComponent: half\nArchitecture: amd64\n');
  });
});
