import { describe, expect, it } from 'vitest';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { mergeIntoRepository, placeDeb } from '../../../repo-tool/src/repo/pool-additions.js';
import { fakeEntry } from './helpers/entries.js';

describe('mergeIntoRepository', () => {
  const deb = (description: string) => ({
    fileName: 'half_1_all.deb',
    bytes: new TextEncoder().encode(description),
    control: [['Package', 'half'], ['Version', '1'], ['Architecture', 'all'], ['Source', 'half-src (1)']] as const,
    paths: [],
  });

  it('files a .deb under its source package and adds only new files', () => {
    const placed = placeDeb(deb('a'), { component: 'half', suites: ['trixie'] });
    expect(placed.entry.poolPath).toBe('pool/half/h/half-src/half_1_all.deb');
    const merged = mergeIntoRepository({ binaries: [], sources: [] }, [placed]);
    expect(merged.additions.map((a) => a.path)).toEqual(['pool/half/h/half-src/half_1_all.deb']);
    const again = mergeIntoRepository(merged, [placeDeb(deb('a'), { component: 'half', suites: ['bookworm'] })]);
    expect(again.additions).toEqual([]);
    expect(again.binaries[0]?.suites).toEqual(['trixie', 'bookworm']);
  });

  it('refuses different bytes under a known pool path', () => {
    const known = mergeIntoRepository({ binaries: [], sources: [] }, [placeDeb(deb('a'), { component: 'half', suites: ['trixie'] })]);
    expect(() => mergeIntoRepository(known, [placeDeb(deb('b'), { component: 'half', suites: ['trixie'] })])).toThrow(PackageFormatError);
    expect(() => mergeIntoRepository(known, [placeDeb(deb('b'), { component: 'half', suites: ['trixie'] })])).toThrow(/pool\/half\/h\/half-src\/half_1_all\.deb is already in the pool with different content/);
    const refused = (() => { try { mergeIntoRepository(known, [placeDeb(deb('b'), { component: 'half', suites: ['trixie'] })]); } catch (e) { return e as PackageFormatError; } })();
    expect(refused?.hint).toMatch(/raise "version" in package\.json; a package from elsewhere: rebuild it with a new version/);
    const elsewhere = fakeEntry('half', '1', 'all', ['trixie'], 'half');
    expect(() => mergeIntoRepository(known, [{ entry: elsewhere.entry, file: elsewhere.file }])).toThrow(/half 1 \(all\) is already in the pool as pool\/half\/h\/half-src\/half_1_all\.deb with different content/);
  });

  it('names the backport\'s iteration as the fix for a backport rebuilt under its published version', () => {
    const backport = (description: string) => ({
      fileName: 'keepalived_2.3.3-1~bpo12+half1_amd64.deb',
      bytes: new TextEncoder().encode(description),
      control: [['Package', 'keepalived'], ['Version', '1:2.3.3-1~bpo12+half1'], ['Architecture', 'amd64']] as const,
      paths: [],
    });
    const known = mergeIntoRepository({ binaries: [], sources: [] }, [placeDeb(backport('a'), { component: 'main', suites: ['bookworm'] })]);
    const refused = (() => { try { mergeIntoRepository(known, [placeDeb(backport('b'), { component: 'main', suites: ['bookworm'] })]); } catch (e) { return e as PackageFormatError; } })();
    expect(refused?.message).toBe('pool/main/k/keepalived/keepalived_2.3.3-1~bpo12+half1_amd64.deb is already in the pool with different content');
    expect(refused?.hint).toBe('a published file never changes: give the new build a new version (a HALF backport: raise "keepalived.iteration" in pkgs/backports.json)');
  });
});
