// Carries out a WritePlan: every new file is staged first (a failure leaves the old files and
// the registry untouched), then the registry learns the new hashes while still knowing the old
// ones, then the files are renamed into place, and last the registry forgets the old hashes.
// The registry is read and written only here (and by half-syncd's postrm on purge).
import { rm } from 'node:fs/promises';
import { NodeFileError } from '../errors.js';
import { commitFile, discardFile, readIfExists, stageFile, writeFileAtomic, type StagedFile } from './atomic-file.js';
import { formatRegistry, parseRegistry, type Registry } from './generated-registry.js';
import type { NodePaths } from './node-paths.js';
import type { WritePlan } from './write-plan.js';

// The registry names files as the node does (/etc/…), below whatever root they were written: an
// image built with --root and booted, or copied to another root, still knows its files, and
// postrm removes them on purge. In memory paths are below the root, as the plans use them.

/** The registry below `paths.root`, its paths below the root too. */
export async function readRegistry(paths: NodePaths): Promise<Map<string, Set<string>>> {
  const onNode = parseRegistry((await readIfExists(paths.registry)) ?? '');
  const below = new Map<string, Set<string>>();
  // a path already below the root: a registry an older HALF wrote with --root
  for (const [path, hashes] of onNode) below.set(belowRoot(path, paths) ? path : paths.at(path), hashes);
  return below;
}

function rootPrefix(paths: NodePaths): string | undefined {
  const base = paths.root.replace(/\/+$/, '');
  return base === '' ? undefined : `${base}/`;
}

function belowRoot(path: string, paths: NodePaths): boolean {
  const prefix = rootPrefix(paths);
  return prefix !== undefined && path.startsWith(prefix);
}

function asOnNode(registry: Registry, paths: NodePaths): Map<string, ReadonlySet<string>> {
  const prefix = rootPrefix(paths);
  return new Map([...registry].map(([path, hashes]) => [prefix !== undefined && path.startsWith(prefix) ? path.slice(prefix.length - 1) : path, hashes] as const));
}

function union(a: Registry, b: Registry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const registry of [a, b]) for (const [path, hashes] of registry) out.set(path, new Set([...(out.get(path) ?? []), ...hashes]));
  return out;
}

export async function writeRegistry(paths: NodePaths, registry: Registry): Promise<void> {
  await writeFileAtomic(paths.registry, formatRegistry(asOnNode(registry, paths)), 0o644);
}

/** Applies the plan; the registry at `paths` holds `previous` (what planWrites was given). */
export async function applyWritePlan(plan: WritePlan, previous: Registry, paths: NodePaths): Promise<void> {
  const staged: StagedFile[] = [];
  for (const action of plan.actions) {
    if (action.kind !== 'write') continue;
    try {
      staged.push(await stageFile(action.path, action.content, action.mode));
    } catch (error) {
      await Promise.all(staged.map(discardFile));
      throw new NodeFileError(`could not write ${action.path}: ${error instanceof Error ? error.message : String(error)}`, {
        hint: 'nothing was changed: make that folder writable (and a folder), then run the command again',
        cause: error,
      });
    }
  }
  await writeRegistry(paths, union(previous, plan.registry));
  for (const file of staged) await commitFile(file);
  for (const action of plan.actions) if (action.kind === 'remove') await rm(action.path, { force: true });
  await writeRegistry(paths, plan.registry);
}
