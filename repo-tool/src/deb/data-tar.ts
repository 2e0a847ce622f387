// data.tar of a .deb (deb(5)): every installed object as `./path`, the root `./` first, each
// directory followed by its children, names in byte order within a directory, and symlinks
// last so that none precedes its target (the order dpkg-deb -b writes: src/deb/build.c),
// owner root/root, explicit modes. Also what is derived from the same
// entries: DEBIAN/md5sums (as dh_md5sums writes it: conffiles left out, paths without `./`)
// and the installed paths listed in Contents indexes. Pure.
import { md5Hex } from '../format/digests.js';
import type { TarEntry } from '../format/tar.js';
import type { InstallEntry } from './install-tree.js';

/** Byte-order key that sorts a directory's children right after it: '/' as the lowest byte. */
function treeOrderKey(path: string): Buffer {
  return Buffer.from(path.replaceAll('/', '\0'));
}

/** Entries in dpkg-deb's order: its tree walk, with the symlinks moved after everything else. */
export function sortInstallEntries(entries: readonly InstallEntry[]): InstallEntry[] {
  const keyed = entries.map((entry) => ({ entry, key: treeOrderKey(entry.path) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const sorted = keyed.map((k) => k.entry);
  return [...sorted.filter((e) => e.kind !== 'symlink'), ...sorted.filter((e) => e.kind === 'symlink')];
}

/** The tar entries of data.tar, `./` first. `sorted` comes from sortInstallEntries. */
export function dataTarEntries(sorted: readonly InstallEntry[], mtime: number): TarEntry[] {
  const out: TarEntry[] = [{ type: 'directory', name: './', mode: 0o755, mtime }];
  for (const entry of sorted) {
    const name = `.${entry.path}`;
    switch (entry.kind) {
      case 'directory':
        out.push({ type: 'directory', name: `${name}/`, mode: entry.mode, mtime: entry.mtime });
        break;
      case 'file':
        out.push({ type: 'file', name, mode: entry.mode, mtime: entry.mtime, data: entry.data });
        break;
      case 'symlink':
        out.push({ type: 'symlink', name, mode: 0o777, mtime: entry.mtime, target: entry.target });
        break;
    }
  }
  return out;
}

/** DEBIAN/md5sums text, or undefined when there is no non-conffile regular file. */
export function md5sumsText(entries: readonly InstallEntry[]): string | undefined {
  const lines: { path: Buffer; line: string }[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'file' || entry.conffile) continue;
    const path = entry.path.slice(1);
    lines.push({ path: Buffer.from(path), line: `${md5Hex(entry.data)}  ${path}\n` });
  }
  if (lines.length === 0) return undefined;
  lines.sort((a, b) => Buffer.compare(a.path, b.path));
  return lines.map((l) => l.line).join('');
}

/** DEBIAN/conffiles text (absolute paths, tar order), or undefined when there are none. */
export function conffilesText(sorted: readonly InstallEntry[]): string | undefined {
  const paths = sorted.filter((e) => e.kind === 'file' && e.conffile).map((e) => `${e.path}\n`);
  return paths.length === 0 ? undefined : paths.join('');
}

/** Installed regular files and symlinks without the leading '/', in tar order (for Contents). */
export function installedPaths(sorted: readonly InstallEntry[]): string[] {
  return sorted.filter((e) => e.kind !== 'directory').map((e) => e.path.slice(1));
}
