import { describe, expect, it } from 'vitest';
import { debFileName, poolPathOf, poolPrefix, sourceNameOf } from '../../../repo-tool/src/repo/pool-path.js';

describe('pool paths', () => {
  it('uses the first letter, or four letters for lib* sources, as Debian does', () => {
    expect(poolPrefix('half')).toBe('h');
    expect(poolPrefix('keepalived')).toBe('k');
    expect(poolPrefix('libnetfilter-conntrack')).toBe('libn');
    expect(poolPrefix('lib')).toBe('l');
    expect(poolPathOf('half', 'half', 'half_0.1.0_all.deb')).toBe('pool/half/h/half/half_0.1.0_all.deb');
  });
  it('files a binary under its source package, without the source version', () => {
    expect(sourceNameOf([['Package', 'half-syncd'], ['Source', 'half (0.1.0)']])).toBe('half');
    expect(sourceNameOf([['Package', 'half-syncd']])).toBe('half-syncd');
  });
  it('names .deb files without the epoch', () => {
    expect(debFileName('keepalived', '1:2.2.8-1~bpo12+1', 'amd64')).toBe('keepalived_2.2.8-1~bpo12+1_amd64.deb');
  });
});
