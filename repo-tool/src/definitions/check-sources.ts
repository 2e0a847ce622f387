// The checks that need the file system: every `{ from }` file exists, every tree folder can be
// walked, and the walked paths collide neither with each other nor with explicit entries.
// Problems are collected like the static ones (validate.ts).
import { stat } from 'node:fs/promises';
import type { Content, PackageDefinition } from '../model/definition.js';
import { resolveFrom, walkTree } from '../deb/content.js';
import type { ProblemList } from './problems.js';

/** What is wrong with a `{ from }` content, as [field, problem, hint] (undefined: nothing). */
type FromProblem = readonly [string, string, string] | undefined;

async function checkFrom(content: Content | undefined, root: string, field: string): Promise<FromProblem> {
  if (content === undefined || typeof content === 'string' || content instanceof Uint8Array) return undefined;
  const file = resolveFrom(content.from, root);
  try {
    if (!(await stat(file)).isFile()) return [field, `"${content.from}" is not a regular file`, 'point "from" at a file'];
  } catch {
    return [field, `"${content.from}" does not exist (looked for ${file})`, 'create the file or fix "from" (relative to the repository root)'];
  }
  return undefined;
}

export async function checkSources(def: PackageDefinition, root: string, p: ProblemList): Promise<void> {
  const checks: Promise<FromProblem>[] = [];
  (def.files ?? []).forEach((file, i) => checks.push(checkFrom(file.content, root, `files[${i}].content`)));
  for (const [name, content] of Object.entries(def.scripts ?? {})) checks.push(checkFrom(content, root, `scripts.${name}`));
  checks.push(checkFrom(def.templates, root, 'templates'));
  checks.push(checkFrom(def.triggers, root, 'triggers'));
  // the files are looked at in parallel; their problems are listed in the definition's order
  for (const problem of await Promise.all(checks)) if (problem !== undefined) p.add(...problem);

  const claimed = new Map<string, string>();
  for (const entry of [...(def.files ?? []), ...(def.symlinks ?? [])]) claimed.set(entry.path, 'an explicit entry');
  const dirs = new Set((def.directories ?? []).map((d) => d.path));
  for (const [i, tree] of (def.trees ?? []).entries()) {
    const field = `trees[${i}]`;
    let items;
    try {
      items = await walkTree(resolveFrom(tree.from, root), `package "${def.name}": ${field}`);
    } catch (error) {
      const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
      p.add(`${field}.from`, `cannot walk "${tree.from}": ${cause}`, 'create the folder or fix "from" (relative to the repository root)');
      continue;
    }
    const files = new Set(items.filter((t) => t.kind === 'file').map((t) => t.relative));
    for (const item of items) {
      const path = `${tree.to.replace(/\/+$/, '')}/${item.relative}`;
      if (item.kind === 'directory' && (dirs.has(path) || !claimed.has(path))) {
        dirs.add(path);
        continue;
      }
      const other = claimed.get(path) ?? (dirs.has(path) ? 'a directory' : undefined);
      if (other !== undefined) p.add(field, `"${path}" from the tree is also installed by ${other}`, 'remove one of them');
      else claimed.set(path, field);
    }
    (tree.conffiles ?? []).forEach((name, j) => {
      if (!files.has(name)) p.add(`${field}.conffiles[${j}]`, `"${name}" is not a file in "${tree.from}"`, 'list files of the tree, relative to "to"');
    });
  }
}
