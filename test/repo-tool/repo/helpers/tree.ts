// A snapshot of a directory tree (files with content hashes, symlinks with targets,
// directories), to prove a failed publish left it exactly as it was.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const s = await lstat(join(root, path));
      if (s.isSymbolicLink()) out[path] = `-> ${await readlink(join(root, path))}`;
      else if (s.isDirectory()) {
        out[path] = 'dir';
        await walk(path);
      } else out[path] = createHash('sha256').update(await readFile(join(root, path))).digest('hex');
    }
  };
  await walk('');
  return out;
}
