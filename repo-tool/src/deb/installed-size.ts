// Installed-Size (deb-control(5), deb-substvars(5)), computed the way dpkg-gencontrol does when
// debhelper runs it: a walk of the package build tree adding, per regular file or symlink, its
// size rounded up to KiB, and 1 KiB for any other object (directories, the tree's root and
// DEBIAN/ included). At that point DEBIAN/ holds the maintainer scripts, conffiles,
// templates and triggers, but neither control (being generated) nor md5sums (dh_md5sums runs
// after dh_gencontrol). Pure.
import type { ControlMember } from './control-tar.js';
import type { InstallEntry } from './install-tree.js';

function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

/** In KiB. `controlMembers` may include control and md5sums: they are left out here. */
export function installedSize(entries: readonly InstallEntry[], controlMembers: readonly ControlMember[]): number {
  let size = 1; // the package root
  for (const entry of entries) {
    if (entry.kind === 'file') size += kib(entry.data.byteLength);
    else if (entry.kind === 'symlink') size += kib(Buffer.byteLength(entry.target));
    else size += 1;
  }
  size += 1; // DEBIAN/
  for (const member of controlMembers) {
    if (member.name !== 'control' && member.name !== 'md5sums') size += kib(member.data.byteLength);
  }
  return size;
}
