// Carries out a WritePlan: every new file is staged first (a failure leaves the old files and
// the registry untouched), then the registry learns the new hashes while still knowing the old
// ones, then the files are renamed into place as one change (replace-files.ts: a failure puts
// back what was replaced), and last the registry forgets the old hashes.
// The registry is read and written only here (and by half-syncd's postrm on purge).
import { rm } from 'node:fs/promises';
import { NodeFileError } from '../errors.js';
import { discardFile, readIfExists, stageFile, writeFileAtomic, type StagedFile } from './atomic-file.js';
import { formatRegistry, parseRegistry, type Registry } from './generated-registry.js';
import type { NodePaths } from './node-paths.js';
import { clearLeftovers, replaceFiles, ReplaceFilesError } from './replace-files.js';
import type { WritePlan } from './write-plan.js';

// The registry names files as the node does (/etc/…), below whatever root they were written: an
// image built with --root and booted, or copied to another root, still knows its files, and
// postrm removes them on purge. In memory paths are below the root, as the plans use them.

/**
 * The registry below `paths.root`, its paths below the root too. An earlier build's registry,
 * where one is left (an image configured by it, a downgrade and upgrade again), is read as well:
 * every hash either lists is content HALF wrote.
 */
export async function readRegistry(paths: NodePaths): Promise<Map<string, Set<string>>> {
  const onNode = union(parseRegistry((await readIfExists(paths.registry)) ?? ''), parseRegistry((await readIfExists(paths.legacyRegistry)) ?? ''));
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
  await clearLeftovers([...plan.actions.map((action) => action.path), ...previous.keys()]);
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
  try {
    await writeRegistry(paths, union(previous, plan.registry));
  } catch (error) {
    await Promise.all(staged.map(discardFile));
    throw new NodeFileError(`could not write ${paths.registry}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'nothing was changed: make that folder writable (and a folder), then run the command again',
      cause: error,
    });
  }
  const removals = plan.actions.flatMap((action) => (action.kind === 'remove' ? [action.path] : []));
  try {
    await replaceFiles(staged, removals);
  } catch (error) {
    if (!(error instanceof ReplaceFilesError)) throw error;
    // Every file was put back: the registry forgets the new hashes again. Otherwise it keeps
    // listing the old hashes and the new, right for either content of every file.
    const undone = error.notRestored.length === 0;
    if (undone) await writeRegistry(paths, previous).catch(() => undefined);
    throw new NodeFileError(`could not put ${error.path} in place: ${error.reason}`, {
      hint: undone
        ? `nothing was changed (the files already replaced were put back): make ${error.path} replaceable (not immutable, not a mount point, its folder writable), then run the command again`
        : `some files were changed and could not be put back: ${error.notRestored.join(', ')}; fix ${error.path}, then run the command again to write them all`,
      cause: error,
    });
  }
  try {
    await writeRegistry(paths, plan.registry);
  } catch (error) {
    throw new NodeFileError(`the files are in place, but ${paths.registry} could not be rewritten: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'it still lists the old checksums beside the new ones (harmless); run the command again once the folder is writable',
      cause: error,
    });
  }
  // An earlier build's registry, read beside this one, is in this one now; one that cannot go
  // is harmless (read again next time) and goes on purge.
  await rm(paths.legacyRegistry, { force: true }).catch(() => undefined);
}
