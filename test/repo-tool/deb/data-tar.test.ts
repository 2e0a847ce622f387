// data.tar order and the files derived from the installed tree (md5sums, conffiles, paths).
// The whole against dpkg-deb is in build-deb.test.ts; md5sums there come from the real md5sum.
import { describe, expect, it } from 'vitest';
import { conffilesText, dataTarEntries, installedPaths, md5sumsText, sortInstallEntries } from '../../../repo-tool/src/deb/data-tar.js';
import type { InstallEntry } from '../../../repo-tool/src/deb/install-tree.js';

const file = (path: string, body = path, conffile = false): InstallEntry => ({ kind: 'file', path, mode: 0o644, mtime: 5, data: new TextEncoder().encode(body), conffile });
const dir = (path: string): InstallEntry => ({ kind: 'directory', path, mode: 0o755, mtime: 5 });
const link = (path: string, target: string): InstallEntry => ({ kind: 'symlink', path, target, mtime: 5 });

const entries: InstallEntry[] = [link('/a/link', 'f'), file('/z'), file('/é'), file('/B'), dir('/a'), file('/a/f'), dir('/a-b'), file('/a-b/g'), file('/etc/c.conf', 'c', true), dir('/etc')];

describe('sortInstallEntries', () => {
  it('walks directories depth first, names in byte order ("/" lowest), symlinks last', () => {
    expect(sortInstallEntries(entries).map((e) => e.path)).toEqual(['/B', '/a', '/a/f', '/a-b', '/a-b/g', '/etc', '/etc/c.conf', '/z', '/é', '/a/link']);
  });
});

describe('dataTarEntries', () => {
  it('starts with ./, names directories with a trailing /, symlinks 0777', () => {
    const tar = dataTarEntries(sortInstallEntries(entries), 7);
    expect(tar[0]).toEqual({ type: 'directory', name: './', mode: 0o755, mtime: 7 });
    expect(tar.map((e) => e.name)).toContain('./a-b/');
    expect(tar.at(-1)).toEqual({ type: 'symlink', name: './a/link', mode: 0o777, mtime: 5, target: 'f' });
  });
});

describe('md5sums, conffiles, paths', () => {
  it('lists regular non-conffiles as "md5  path" without "./", in byte order', () => {
    const text = md5sumsText(entries) ?? '';
    expect(text.split('\n').map((l) => l.slice(34))).toEqual(['B', 'a-b/g', 'a/f', 'z', 'é', '']);
    expect(text).toMatch(/^[0-9a-f]{32} {2}B\n/);
    expect(text).not.toContain('c.conf');
  });

  it('is absent without files, and conffiles is absent without conffiles', () => {
    expect(md5sumsText([dir('/a')])).toBeUndefined();
    expect(conffilesText([file('/a')])).toBeUndefined();
    expect(conffilesText(sortInstallEntries(entries))).toBe('/etc/c.conf\n');
  });

  it('lists installed files and symlinks without the leading slash', () => {
    expect(installedPaths(sortInstallEntries(entries))).toEqual(['B', 'a/f', 'a-b/g', 'etc/c.conf', 'z', 'é', 'a/link']);
  });
});
