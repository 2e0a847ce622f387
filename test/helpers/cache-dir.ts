// Where slow, reusable test artefacts live (chroot tarballs, builds): one directory per kind
// under ${XDG_CACHE_HOME:-$HOME/.cache}/half, created on demand. Entries are keyed by a hash of
// their inputs, so a stale entry is never reused, only left behind; deleting the directory
// is always safe (the next run rebuilds).
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function halfCacheRoot(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'half');
}

/** `halfCacheDir('chroots')` → ~/.cache/half/chroots, created if missing. */
export async function halfCacheDir(kind: string): Promise<string> {
  const dir = join(halfCacheRoot(), kind);
  await mkdir(dir, { recursive: true });
  return dir;
}
