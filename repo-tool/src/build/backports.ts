// The backports a build publishes (pkgs/backports.json: package → target suites, the fixed
// changelog date and the halfN iteration), run through backport/ (cached by their inputs) and
// turned into files to import per suite. A backport that is not needed (the target's own
// version is the newest) or that cannot be fetched is reported, and the suite keeps Debian's own.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planBackport } from '../backport/plan-backport.js';
import { PublishedVersionError, type PublishedLookup } from '../backport/published-version.js';
import { runBackport } from '../backport/run-backport.js';
import { isTargetSuite } from '../backport/suites.js';
import type { Progress } from '../cli/progress.js';
import { DefinitionError, HalfRepoError } from '../model/errors.js';
import { versionWithoutEpoch } from '../deb/version.js';
import type { PublishedStorage } from '../publish/storage.js';

export const BACKPORTS_FILE = 'pkgs/backports.json';
/** 9999-12-31T23:59:59Z: the last second a changelog trailer (RFC 5322 date) can write. */
const MAX_EPOCH = 253_402_300_799;

export interface BackportSpec {
  readonly package: string;
  readonly suites: readonly string[];
  readonly sourceDateEpoch: number;
  readonly iteration: number;
  /** Who signs off the backport's changelog entry. */
  readonly maintainer: string;
  /** Suites that may keep Debian's own version when the backport cannot be built (else the build fails). */
  readonly optional: readonly string[];
}

export type BackportOutcome =
  | { readonly kind: 'published'; readonly package: string; readonly suite: string; readonly version: string; readonly files: readonly string[]; readonly cached: boolean }
  | { readonly kind: 'skipped'; readonly package: string; readonly suite: string; readonly reason: string };

export async function loadBackportSpecs(root: string): Promise<BackportSpec[]> {
  const path = join(root, BACKPORTS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DefinitionError(`${path}: ${(error as Error).message}`, { hint: 'a JSON object: {"keepalived": {"suites": [...], "sourceDateEpoch": N, "iteration": 1}}' });
  }
  const isObject = (x: unknown): x is Partial<Record<string, unknown>> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(raw)) throw new DefinitionError(`${path}: the file holds ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : `a ${typeof raw}`}, not an object of backports`, { hint: 'a JSON object: {"keepalived": {"suites": [...], "sourceDateEpoch": N, "iteration": 1, "maintainer": "Name <address>"}}' });
  const problems: string[] = [];
  const specs: BackportSpec[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (!isObject(value)) {
      problems.push(`"${name}" must be an object {"suites", "sourceDateEpoch", "iteration", "maintainer", "optional"?}`);
      continue;
    }
    const v = value;
    const suites = Array.isArray(v['suites']) ? (v['suites'] as unknown[]).map(String) : [];
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) problems.push(`"${name}" is not a source package name`);
    if (suites.length === 0 || !suites.every(isTargetSuite)) problems.push(`"${name}.suites" must list bookworm and/or trixie`);
    const epoch = v['sourceDateEpoch'];
    // a changelog trailer's year has four digits: a time in milliseconds would be the year 57872
    if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) {
      problems.push(`"${name}.sourceDateEpoch" must be seconds since 1970, up to ${MAX_EPOCH} (the changelog entry's date; changing it rebuilds)${typeof epoch === 'number' && epoch > MAX_EPOCH ? `: ${epoch} looks like milliseconds` : ''}`);
    }
    if (!Number.isInteger(v['iteration']) || (v['iteration'] as number) < 1) problems.push(`"${name}.iteration" must be 1 or more (the halfN suffix)`);
    const optional = Array.isArray(v['optional']) ? (v['optional'] as unknown[]).map(String) : [];
    if (!optional.every((s) => suites.includes(s))) problems.push(`"${name}.optional" may only name suites listed in "${name}.suites"`);
    const maintainer = v['maintainer'];
    if (typeof maintainer !== 'string' || !/^[^<>]+ <[^<>\s]+@[^<>\s]+>$/.test(maintainer)) problems.push(`"${name}.maintainer" must be "Name <address>"`);
    specs.push({ package: name, suites, sourceDateEpoch: Number(v['sourceDateEpoch']), iteration: Number(v['iteration']), optional, maintainer: String(maintainer) });
  }
  if (problems.length > 0) throw new DefinitionError(`${path}: ${problems.join('; ')}`, { hint: 'fix the listed keys' });
  return specs;
}

export interface RunBackportsOptions {
  readonly progress: Progress;
  readonly only?: readonly string[];
  /** The repository the outcomes go to: a version it publishes is only rebuilt into the same bytes. */
  readonly published?: PublishedLookup;
}

export async function runBackports(specs: readonly BackportSpec[], options: RunBackportsOptions): Promise<BackportOutcome[]> {
  const outcomes: BackportOutcome[] = [];
  for (const spec of specs) {
    for (const suite of spec.suites) {
      if (options.only !== undefined && !options.only.includes(suite)) continue;
      if (!isTargetSuite(suite)) continue;
      try {
        const plan = await planBackport({ package: spec.package, targetSuite: suite, sourceDateEpoch: spec.sourceDateEpoch, iteration: spec.iteration, maintainer: spec.maintainer, progress: options.progress });
        // the mirror's Sources of every suite were read (an update that fails throws): a name
        // none of them has is a wrong entry in the file, as a misspelt package in pkgs/ is
        if (plan.kind === 'not-needed' && plan.newestVersion === undefined && plan.targetVersion === undefined) {
          throw new DefinitionError(`${BACKPORTS_FILE}: "${spec.package}" backport for ${suite}: ${plan.reason}`, {
            hint: `check the source package name in ${BACKPORTS_FILE}, or list ${suite} in "${spec.package}.optional" to keep going without it`,
          });
        }
        if (plan.kind === 'not-needed') {
          outcomes.push({ kind: 'skipped', package: spec.package, suite, reason: plan.reason });
          continue;
        }
        const result = await runBackport(plan, { progress: options.progress, ...(options.published === undefined ? {} : { published: options.published }) });
        outcomes.push({ kind: 'published', package: spec.package, suite, version: result.version, files: [...result.binaries, result.source.dsc], cached: result.cached });
      } catch (error) {
        if (!fallsBackToDebian(error, spec, suite)) throw error;
        const reason = `${error.message}${error.hint !== undefined ? ` (${error.hint})` : ''}`;
        options.progress.warn(`${spec.package} backport for ${suite} failed: ${reason}\n${suite} keeps Debian's own ${spec.package}.`);
        outcomes.push({ kind: 'skipped', package: spec.package, suite, reason });
      }
    }
  }
  return outcomes;
}

/**
 * Whether a failed backport leaves the suite with Debian's own package (a warning) instead of
 * failing the build: for suites the spec marks optional, except a refusal to rebuild a published
 * version, where the published backport stays and Debian's package would not come back.
 */
export function fallsBackToDebian(error: unknown, spec: BackportSpec, suite: string): error is HalfRepoError {
  return error instanceof HalfRepoError && !(error instanceof PublishedVersionError) && spec.optional.includes(suite);
}

/** `spec` with `suites` no longer optional: named on the command line, they must be built. */
export function requiringSuites(spec: BackportSpec, suites: readonly string[]): BackportSpec {
  return { ...spec, optional: spec.optional.filter((suite) => !suites.includes(suite)) };
}

/** What the repository at `storage` publishes of `source` `version`: its pool files, by name,
 *  when the pool holds that version's .dsc; undefined when it does not. */
export function publishedSource(storage: PublishedStorage): PublishedLookup {
  return async (source, version) => {
    const pool = await storage.list('pool');
    const dsc = `${source}_${versionWithoutEpoch(version)}.dsc`;
    const byName = new Map(pool.map((path) => [path.slice(path.lastIndexOf('/') + 1), path]));
    if (!byName.has(dsc)) return undefined;
    return {
      read: async (name) => {
        const path = byName.get(name);
        return path === undefined ? undefined : storage.readFile(path);
      },
    };
  };
}
