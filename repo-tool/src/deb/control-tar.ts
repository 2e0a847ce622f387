// control.tar of a .deb (deb(5), deb-control(5), deb-conffiles(5), deb-md5sums(5),
// deb-triggers(5), Debian Policy §6 and debconf-devel(7)): `./` then the members in byte order
// of name, owner root/root; maintainer scripts and the debconf `config` script 0755, the
// rest 0644 (as dh_installdeb and dh_installdebconf install them). Pure.
import type { TarEntry } from '../format/tar.js';

export type ControlMemberName = 'control' | 'md5sums' | 'conffiles' | 'preinst' | 'postinst' | 'prerm' | 'postrm' | 'config' | 'templates' | 'triggers';

export interface ControlMember {
  readonly name: ControlMemberName;
  readonly data: Uint8Array;
}

const EXECUTABLE: ReadonlySet<ControlMemberName> = new Set(['preinst', 'postinst', 'prerm', 'postrm', 'config']);

export function controlMemberMode(name: ControlMemberName): number {
  return EXECUTABLE.has(name) ? 0o755 : 0o644;
}

/** The tar entries of control.tar: `./` then the members sorted by name. */
export function controlTarEntries(members: readonly ControlMember[], mtime: number): TarEntry[] {
  const sorted = [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [
    { type: 'directory', name: './', mode: 0o755, mtime },
    ...sorted.map((m): TarEntry => ({ type: 'file', name: `./${m.name}`, mode: controlMemberMode(m.name), mtime, data: m.data })),
  ];
}
