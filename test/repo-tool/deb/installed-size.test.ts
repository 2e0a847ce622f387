// Installed-Size arithmetic; the fixtures' values are compared with dpkg-gencontrol's in
// control.test.ts.
import { describe, expect, it } from 'vitest';
import type { InstallEntry } from '../../../repo-tool/src/deb/install-tree.js';
import { installedSize } from '../../../repo-tool/src/deb/installed-size.js';

const file = (size: number): InstallEntry => ({ kind: 'file', path: `/f${size}`, mode: 0o644, mtime: 0, data: new Uint8Array(size), conffile: false });

describe('installedSize', () => {
  it('counts the root and DEBIAN/ as 1 KiB each', () => {
    expect(installedSize([], [])).toBe(2);
  });

  it('rounds each file up to KiB (an empty file counts 0), directories 1, symlinks by target length', () => {
    const entries: InstallEntry[] = [file(0), file(1), file(1024), file(1025), { kind: 'directory', path: '/d', mode: 0o755, mtime: 0 }, { kind: 'symlink', path: '/l', target: 'x'.repeat(1025), mtime: 0 }];
    expect(installedSize(entries, [])).toBe(2 + 0 + 1 + 1 + 2 + 1 + 2);
  });

  it('counts control members except control and md5sums', () => {
    const member = (name: 'postinst' | 'control' | 'md5sums' | 'templates', size: number) => ({ name, data: new Uint8Array(size) });
    expect(installedSize([], [member('postinst', 10), member('templates', 2000), member('control', 5000), member('md5sums', 5000)])).toBe(2 + 1 + 2);
  });
});
