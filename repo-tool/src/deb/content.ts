// Reading what a definition points at: `Content` values ({ from } files relative to the
// repository root) and `trees` (folders walked in byte order). The only file-system reads of
// the .deb builder; errors name the package, the field and the file.
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Content } from '../model/definition.js';
import { DefinitionError } from '../model/errors.js';

export interface LoadedContent {
  readonly data: Uint8Array;
  /** Any x bit set on the source file (false for content given in code). */
  readonly executable: boolean;
}

const utf8 = new TextEncoder();

export function resolveFrom(from: string, root: string): string {
  return isAbsolute(from) ? from : resolve(root, from);
}

/** `subject` names what is read, e.g. `package "half": files[/etc/half/half.conf]`. */
export async function loadContent(content: Content, root: string, subject: string): Promise<LoadedContent> {
  if (typeof content === 'string') return { data: utf8.encode(content), executable: false };
  if (content instanceof Uint8Array) return { data: content, executable: false };
  const file = resolveFrom(content.from, root);
  try {
    const [data, info] = await Promise.all([readFile(file), stat(file)]);
    if (!info.isFile()) throw new Error('not a regular file');
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), executable: (info.mode & 0o111) !== 0 };
  } catch (error) {
    throw new DefinitionError(`${subject}: cannot read "${content.from}" (${file}): ${(error as Error).message}`, {
      hint: `create the file or fix "from" (relative paths are resolved against ${root})`,
      cause: error,
    });
  }
}

export type TreeItem =
  | { readonly kind: 'directory'; readonly relative: string }
  | { readonly kind: 'file'; readonly relative: string; readonly file: string; readonly mode: number }
  | { readonly kind: 'symlink'; readonly relative: string; readonly target: string };

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Everything below `folder` (not the folder itself), parents before children, names in byte
 * order. Files get 0755 when any x bit is set, else 0644. Other file types are refused.
 */
export async function walkTree(folder: string, subject: string): Promise<TreeItem[]> {
  const items: TreeItem[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    const names = (await readdir(dir)).sort(byteOrder);
    for (const name of names) {
      const path = join(dir, name);
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      // dpkg's file lists are line-based: it refuses such a name at install, after the build
      if (/[\n\r]/.test(name)) throw new DefinitionError(`${subject}: ${JSON.stringify(path)} has a line break in its name, which dpkg cannot record`, { hint: 'rename it, or move it out of the tree' });
      const info = await lstat(path);
      if (info.isDirectory()) {
        items.push({ kind: 'directory', relative });
        await visit(path, relative);
      } else if (info.isFile()) {
        items.push({ kind: 'file', relative, file: path, mode: (info.mode & 0o111) !== 0 ? 0o755 : 0o644 });
      } else if (info.isSymbolicLink()) {
        const target = await readlink(path);
        if (/[\n\r]/.test(target)) throw new DefinitionError(`${subject}: the symlink "${path}" points to ${JSON.stringify(target)}, with a line break, which dpkg cannot record`, { hint: 'point it elsewhere, or move it out of the tree' });
        items.push({ kind: 'symlink', relative, target });
      } else {
        throw new DefinitionError(`${subject}: "${path}" is neither a file, a folder nor a symlink`, { hint: 'remove it from the tree' });
      }
    }
  };
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) throw new Error('not a folder');
    await visit(folder, '');
  } catch (error) {
    if (error instanceof DefinitionError) throw error;
    throw new DefinitionError(`${subject}: cannot walk "${folder}": ${(error as Error).message}`, { hint: 'create the folder or fix "from"', cause: error });
  }
  return items;
}
