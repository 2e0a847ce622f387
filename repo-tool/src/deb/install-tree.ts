// The installed file system of a package, resolved from its definition: files (content read),
// trees (walked), explicit directories and symlinks, plus every parent directory (dpkg needs an
// entry for each, deb(5)). Every entry's modification time is SOURCE_DATE_EPOCH: a checkout's
// own file times (when it was cloned, or last touched) must not reach the bytes, or two clones of
// one commit would build different packages (dpkg-deb only clamps to it).
import type { PackageDefinition } from '../model/definition.js';
import { DefinitionError } from '../model/errors.js';
import { loadContent, resolveFrom, walkTree } from './content.js';

export type InstallEntry =
  | { readonly kind: 'directory'; readonly path: string; readonly mode: number; readonly mtime: number }
  | { readonly kind: 'file'; readonly path: string; readonly mode: number; readonly mtime: number; readonly data: Uint8Array; readonly conffile: boolean }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string; readonly mtime: number };

export interface ResolveOptions {
  /** Repository root: relative `from` paths are resolved against it. */
  readonly root: string;
  /** SOURCE_DATE_EPOCH, seconds. */
  readonly mtime: number;
}

function joinInstallPath(to: string, relative: string): string {
  return `${to.replace(/\/+$/, '')}/${relative}`;
}

/** Every entry, keyed by absolute path (`/usr/bin/x`), parents included, in no particular order. */
export async function resolveInstallTree(def: PackageDefinition, options: ResolveOptions): Promise<InstallEntry[]> {
  const subject = `package "${def.name}"`;
  const byPath = new Map<string, InstallEntry>();
  const add = (entry: InstallEntry, field: string): void => {
    const existing = byPath.get(entry.path);
    if (existing !== undefined && !(existing.kind === 'directory' && entry.kind === 'directory')) {
      throw new DefinitionError(`${subject}: ${field}: "${entry.path}" is installed twice`, { hint: 'keep one definition of each path (files, trees, directories and symlinks must not overlap)' });
    }
    byPath.set(entry.path, entry);
  };

  const files = await Promise.all(
    (def.files ?? []).map(async (file) => {
      const loaded = await loadContent(file.content, options.root, `${subject}: files[${file.path}]`);
      const mode = file.mode ?? (loaded.executable ? 0o755 : 0o644);
      return { kind: 'file', path: file.path, mode, mtime: options.mtime, data: loaded.data, conffile: file.conffile === true } as const;
    }),
  );
  for (const entry of files) add(entry, `files[${entry.path}]`);

  for (const tree of def.trees ?? []) {
    const field = `trees[${tree.from}]`;
    const items = await walkTree(resolveFrom(tree.from, options.root), `${subject}: ${field}`);
    const conffiles = new Set(tree.conffiles ?? []);
    const treeFiles = await Promise.all(
      items.map(async (item): Promise<InstallEntry> => {
        const path = joinInstallPath(tree.to, item.relative);
        if (item.kind === 'directory') return { kind: 'directory', path, mode: 0o755, mtime: options.mtime };
        if (item.kind === 'symlink') return { kind: 'symlink', path, target: item.target, mtime: options.mtime };
        const loaded = await loadContent({ from: item.file }, options.root, `${subject}: ${field}`);
        return { kind: 'file', path, mode: item.mode, mtime: options.mtime, data: loaded.data, conffile: conffiles.has(item.relative) };
      }),
    );
    for (const entry of treeFiles) add(entry, field);
    for (const name of conffiles) {
      const entry = byPath.get(joinInstallPath(tree.to, name));
      if (entry?.kind !== 'file') throw new DefinitionError(`${subject}: ${field}: conffile "${name}" is not a file of the tree`, { hint: 'list paths relative to "to" of files that exist in the folder' });
    }
  }
  for (const dir of def.directories ?? []) {
    // An explicit directory may repeat a tree's folder; its mode then wins.
    const path = dir.path.replace(/\/+$/, '');
    add({ kind: 'directory', path, mode: dir.mode ?? 0o755, mtime: options.mtime }, `directories[${path}]`);
  }
  for (const link of def.symlinks ?? []) add({ kind: 'symlink', path: link.path, target: link.target, mtime: options.mtime }, `symlinks[${link.path}]`);

  for (const path of [...byPath.keys()]) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const parent = path.slice(0, slash);
      const existing = byPath.get(parent);
      if (existing === undefined) byPath.set(parent, { kind: 'directory', path: parent, mode: 0o755, mtime: options.mtime });
      else if (existing.kind !== 'directory') {
        throw new DefinitionError(`${subject}: "${parent}" is a ${existing.kind} but "${path}" is installed below it`, { hint: 'make it a directory or move the entries below it' });
      }
    }
  }
  return [...byPath.values()];
}
