// Install paths of a definition (Debian Policy §10.5 for symlinks; dpkg's own limits: no NUL
// and no newline, since its file lists are line-based): absolute, normalised, unique across
// files, directories and symlinks, never below a file, conffiles under /etc, symlinks staying
// inside the root, octal modes.
import type { PackageDefinition } from '../model/definition.js';
import type { ProblemList } from './problems.js';

/** Why `path` cannot be an install path, or undefined. */
export function installPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'the path is not a string';
  if (!path.startsWith('/')) return `"${path}" is not absolute`;
  if (path === '/') return 'the root itself cannot be installed';
  if (/[\0\n\r]/.test(path)) return `"${JSON.stringify(path)}" contains a NUL or line break, which dpkg cannot record`;
  if (Buffer.from(path).toString('utf8') !== path) return `"${path}" is not valid Unicode`;
  if (path.endsWith('/')) return `"${path}" ends with "/"`;
  const parts = path.slice(1).split('/');
  if (parts.includes('')) return `"${path}" contains "//"`;
  if (parts.includes('..') || parts.includes('.')) return `"${path}" contains "." or ".." components`;
  return undefined;
}

/** Whether a relative `from` path climbs out of the repository root. */
export function escapesRoot(relative: string): boolean {
  let depth = 0;
  for (const part of relative.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

export function modeProblem(mode: unknown): string | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) return `mode ${String(mode)} is not an octal permission between 0o0 and 0o7777`;
  return undefined;
}

function symlinkTargetProblem(path: string, target: unknown): string | undefined {
  if (typeof target !== 'string' || target === '') return 'the target is empty';
  if (/[\0\n\r]/.test(target)) return 'the target contains a NUL or line break';
  if (target.startsWith('/')) return undefined;
  const dir = path.slice(1).split('/').slice(0, -1).join('/');
  return escapesRoot(`${dir}/${target}`) ? `"${target}" climbs above the root from "${path}"` : undefined;
}

export function checkPaths(def: PackageDefinition, problems: ProblemList): void {
  const seen = new Map<string, string>();
  const leaves = new Set<string>();
  const claim = (path: string, field: string, leaf: boolean): void => {
    const other = seen.get(path);
    if (other !== undefined) problems.add(field, `"${path}" is also installed by ${other}`, 'keep one entry per path');
    else seen.set(path, field);
    if (leaf) leaves.add(path);
  };
  const fix = 'use an absolute, normalised path such as /usr/share/half/file';
  (def.files ?? []).forEach((file, i) => {
    const field = `files[${i}].path`;
    const problem = installPathProblem(file.path);
    if (problem !== undefined) return problems.add(field, problem, fix);
    claim(file.path, field, true);
    const mode = modeProblem(file.mode);
    if (mode !== undefined) problems.add(`files[${i}].mode`, mode, 'use e.g. 0o644 or 0o755');
    if (file.conffile === true && !file.path.startsWith('/etc/')) problems.add(`files[${i}].conffile`, `"${file.path}" is not under /etc`, 'conffiles must live under /etc (Policy §10.7.2); move the file or drop "conffile"');
  });
  (def.directories ?? []).forEach((dir, i) => {
    const field = `directories[${i}].path`;
    const problem = installPathProblem(dir.path);
    if (problem !== undefined) return problems.add(field, problem, fix);
    claim(dir.path, field, false);
    const mode = modeProblem(dir.mode);
    if (mode !== undefined) problems.add(`directories[${i}].mode`, mode, 'use e.g. 0o755');
  });
  (def.symlinks ?? []).forEach((link, i) => {
    const field = `symlinks[${i}]`;
    const problem = installPathProblem(link.path);
    if (problem !== undefined) return problems.add(`${field}.path`, problem, fix);
    claim(link.path, `${field}.path`, true);
    const target = symlinkTargetProblem(link.path, link.target);
    if (target !== undefined) problems.add(`${field}.target`, target, 'point to a path inside the package root (relative within a top-level directory, Policy §10.5)');
  });
  (def.trees ?? []).forEach((tree, i) => {
    const field = `trees[${i}]`;
    if (typeof tree.from !== 'string' || tree.from === '') problems.add(`${field}.from`, 'the folder is empty', 'name a folder relative to the repository root');
    else if (!tree.from.startsWith('/') && escapesRoot(tree.from)) problems.add(`${field}.from`, `"${tree.from}" climbs above the repository root`, 'keep sources inside the repository');
    const problem = installPathProblem(tree.to);
    if (problem !== undefined) return problems.add(`${field}.to`, problem, fix);
    (tree.conffiles ?? []).forEach((name, j) => {
      const full = `${tree.to}/${name}`;
      const bad = installPathProblem(full);
      if (bad !== undefined || name.startsWith('/')) problems.add(`${field}.conffiles[${j}]`, bad ?? `"${name}" is absolute`, 'list paths relative to "to"');
      else if (!full.startsWith('/etc/')) problems.add(`${field}.conffiles[${j}]`, `"${full}" is not under /etc`, 'conffiles must live under /etc (Policy §10.7.2)');
    });
  });
  for (const [path, field] of seen) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const parent = path.slice(0, slash);
      if (leaves.has(parent)) problems.add(field, `"${path}" lies below "${parent}", which is a file or symlink`, 'make the parent a directory or move the entry');
    }
  }
}
