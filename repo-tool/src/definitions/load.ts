// Loads the package definitions: every pkgs/*.ts module (in name order) default-exports a
// DefinitionModule; each is imported (dynamic import of .ts works under tsx and vitest),
// called with the context, validated statically and against the file system. All problems of
// all modules are reported together in one InvalidDefinitionError.
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DefinitionContext, DefinitionModule, PackageDefinition } from '../model/definition.js';
import { HalfRepoError } from '../model/errors.js';
import { checkSources } from './check-sources.js';
import { ProblemList, throwIfProblems, type DefinitionProblem } from './problems.js';
import { validateDefinition } from './validate.js';

export interface LoadedDefinition {
  readonly definition: PackageDefinition;
  /** The module it came from, relative to ctx.root (e.g. `pkgs/half.ts`). */
  readonly source: string;
}

async function moduleFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts') && !n.endsWith('.test.ts')).sort();
}

async function callModule(file: string, source: string, ctx: DefinitionContext, problems: DefinitionProblem[]): Promise<PackageDefinition[]> {
  const p = new ProblemList(source, '?');
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (typeof module.default !== 'function') {
      p.add('(module)', 'has no default export function', 'export default (ctx: DefinitionContext) => ({ name: ..., ... })');
      return [];
    }
    const result = (module.default as DefinitionModule)(ctx);
    const list = Array.isArray(result) ? result : [result];
    if (list.length === 0) p.add('(module)', 'returned no package definition', 'return one definition or an array of them');
    return list as PackageDefinition[];
  } catch (error) {
    // Our own errors (a module's config check) know the fix: keep their hint.
    const hint = error instanceof HalfRepoError ? error.hint : undefined;
    p.add('(module)', `failed to load: ${(error as Error).message}`, hint ?? 'fix the error in the module');
    return [];
  } finally {
    problems.push(...p.problems);
  }
}

/** Imports, validates and returns every definition of `dir`; throws listing every problem. */
export async function loadDefinitions(dir: string, ctx: DefinitionContext): Promise<LoadedDefinition[]> {
  const problems: DefinitionProblem[] = [];
  const loaded: LoadedDefinition[] = [];
  for (const name of await moduleFiles(dir)) {
    const file = join(dir, name);
    const source = relative(ctx.root, file);
    for (const definition of await callModule(file, source, ctx, problems)) loaded.push({ definition, source });
  }
  const seen = new Map<string, string>();
  for (const { definition, source } of loaded) {
    const found = validateDefinition(definition, source);
    problems.push(...found);
    const p = new ProblemList(source, definition?.name ?? '?');
    if (found.length === 0) await checkSources(definition, ctx.root, p);
    const key = `${definition?.name}_${definition?.architecture}`;
    const other = seen.get(key);
    if (other !== undefined) p.add('name', `"${definition.name}" (${definition.architecture}) is also defined in ${other}`, 'keep one definition per package and architecture');
    else seen.set(key, source);
    problems.push(...p.problems);
  }
  // Module by module (a stable sort keeps each module's problems in field order).
  problems.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  throwIfProblems(problems);
  return loaded;
}
