// The parser of `apt-get source --print-uris` on output recorded from apt 2.6 (Debian 12) for
// keepalived in trixie; plan-backport.test.ts runs it on live apt output.
import { describe, expect, it } from 'vitest';
import { isSourceNotFound, parseSourceListing, tail } from '../../../repo-tool/src/backport/source-listing.js';
import { ToolError } from '../../../repo-tool/src/model/errors.js';

const RECORDED = `Reading package lists...
Selected version '1:2.3.3-1' (trixie) for keepalived
NOTICE: 'keepalived' packaging is maintained in the 'Git' version control system at:
https://salsa.debian.invalid/debian/pkg-keepalived.git
Please use:
git clone https://salsa.debian.invalid/debian/pkg-keepalived.git
to retrieve the latest (possibly unreleased) updates to the package.
Need to get 1247 kB of source archives.
'http://mirror.invalid/debian/pool/main/k/keepalived/keepalived_2.3.3.orig.tar.gz' keepalived_2.3.3.orig.tar.gz 1236713 SHA256:2288C5C7609FA452782B7ACEFA19ACCE742D0204DC17F54D36DA46B10F8B590C
'http://mirror.invalid/debian/pool/main/k/keepalived/keepalived_2.3.3-1.dsc' keepalived_2.3.3-1.dsc 2114 SHA256:c8e5c208dfef1b2fea7591525b62259d120be04f2b26f71b089429646824a42e
'http://mirror.invalid/debian/pool/main/k/keepalived/keepalived_2.3.3-1.debian.tar.xz' keepalived_2.3.3-1.debian.tar.xz 8252 SHA256:3a0fac9f9ab2d88c36759bc1e737eb78fc5df2cf0497db478bc602c9d79ce0f6
`;

describe('parseSourceListing', () => {
  it('reads the selected version, the suite and every file, the .dsc first', () => {
    const listing = parseSourceListing(RECORDED, 'apt-get source --print-uris keepalived/trixie');
    expect(listing.package).toBe('keepalived');
    expect(listing.version).toBe('1:2.3.3-1');
    expect(listing.suite).toBe('trixie');
    expect(listing.files.map((f) => f.name)).toEqual(['keepalived_2.3.3-1.dsc', 'keepalived_2.3.3.orig.tar.gz', 'keepalived_2.3.3-1.debian.tar.xz']);
    expect(listing.files[0]).toEqual({
      name: 'keepalived_2.3.3-1.dsc',
      uri: 'http://mirror.invalid/debian/pool/main/k/keepalived/keepalived_2.3.3-1.dsc',
      size: 2114,
      sha256: 'c8e5c208dfef1b2fea7591525b62259d120be04f2b26f71b089429646824a42e',
    });
    expect(listing.files[1]?.sha256).toBe('2288c5c7609fa452782b7acefa19acce742d0204dc17f54d36da46b10f8b590c');
  });

  it('refuses files whose only hash is weak, naming the file', () => {
    const weak = RECORDED.replace(/8252 SHA256:[0-9a-f]+/, '8252 MD5Sum:518889cb1d0c9b6386bc830e803083ba');
    expect(() => parseSourceListing(weak, 'cmd')).toThrow(ToolError);
    expect(() => parseSourceListing(weak, 'cmd')).toThrow(/keepalived_2.3.3-1.debian.tar.xz with a MD5Sum hash only/);
  });

  it('refuses a file name that is a path', () => {
    const path = RECORDED.replace("keepalived_2.3.3-1.debian.tar.xz 8252", '../keepalived_2.3.3-1.debian.tar.xz 8252');
    expect(() => parseSourceListing(path, 'cmd')).toThrow(/not "'URI' NAME SIZE HASH": .*\.\.\/keepalived/);
  });

  it('refuses output without a selected version or without exactly one .dsc', () => {
    expect(() => parseSourceListing(RECORDED.replace(/^Selected.*$/m, ''), 'cmd')).toThrow(/no "Selected version" line/);
    expect(() => parseSourceListing(RECORDED.replace(/^'.*\.dsc.*$/m, ''), 'cmd')).toThrow(/listed 0 .dsc files/);
  });
});

describe('isSourceNotFound', () => {
  it("recognises apt's answers for a missing package or version, and nothing else", () => {
    expect(isSourceNotFound('Reading package lists...\nE: Unable to find a source package for nosuch\n')).toBe(true);
    expect(isSourceNotFound('E: Could not get lock /var/lib/apt/lists/lock\n')).toBe(false);
  });
});

describe('tail', () => {
  it('keeps the last lines, marking the cut', () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    expect(tail(text, 3)).toBe('…\nline 37\nline 38\nline 39');
    expect(tail('a\nb\n', 3)).toBe('a\nb');
  });
});
