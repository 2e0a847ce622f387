// Maps a path inside a root directory (a chroot) to the host path it names, following symlinks
// the way the chroot's own processes would see them: an absolute link target restarts at the
// root, ".." never climbs above it. Writing through the result can therefore never escape to
// the host's own files (a rootfs is full of absolute links such as /etc/resolv.conf).
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_LINKS = 40; // as the kernel's own limit (ELOOP)

/** Host path for `path` (absolute, as seen inside `root`); missing trailing parts are kept. */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  if (!path.startsWith('/')) throw new Error(`"${path}" must be an absolute path inside the root ${root}`);
  const resolved: string[] = [];
  const pending = path.split('/').filter((part) => part !== '' && part !== '.');
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    const info = await lstat(host).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info === undefined || !info.isSymbolicLink()) {
      resolved.push(part);
      if (info === undefined) {
        // Nothing below a missing entry can be a link: finish lexically, never above the root.
        for (const rest of pending) {
          if (rest === '..') resolved.pop();
          else resolved.push(rest);
        }
        break;
      }
      continue;
    }
    if (++links > MAX_LINKS) throw new Error(`too many symbolic links resolving ${path} inside ${root}`);
    const target = await readlink(host);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return join(root, ...resolved);
}
