// Carries out a WritePlan: every new file is staged first (a failure leaves the old files and
// the registry untouched), then the registry learns the new hashes while still knowing the old
// ones, then the files are renamed into place, and last the registry forgets the old hashes.
// The registry is read and written only here (and by half-syncd's postrm on purge).
import { rm } from 'node:fs/promises';
import { NodeFileError } from '../errors.js';
import { commitFile, discardFile, readIfExists, stageFile, writeFileAtomic, type StagedFile } from './atomic-file.js';
import { formatRegistry, parseRegistry, type Registry } from './generated-registry.js';
import type { WritePlan } from './write-plan.js';

export async function readRegistry(path: string): Promise<Map<string, Set<string>>> {
  return parseRegistry((await readIfExists(path)) ?? '');
}

function union(a: Registry, b: Registry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const registry of [a, b]) for (const [path, hashes] of registry) out.set(path, new Set([...(out.get(path) ?? []), ...hashes]));
  return out;
}

export async function writeRegistry(path: string, registry: Registry): Promise<void> {
  await writeFileAtomic(path, formatRegistry(registry), 0o644);
}

/** Applies the plan; `registryPath` holds `previous` (what planWrites was given). */
export async function applyWritePlan(plan: WritePlan, previous: Registry, registryPath: string): Promise<void> {
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
  await writeRegistry(registryPath, union(previous, plan.registry));
  for (const file of staged) await commitFile(file);
  for (const action of plan.actions) if (action.kind === 'remove') await rm(action.path, { force: true });
  await writeRegistry(registryPath, plan.registry);
}
