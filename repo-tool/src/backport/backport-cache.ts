// The backport result cache: ${XDG_CACHE_HOME:-$HOME/.cache}/half/backports/<key>/ holds the
// built .debs, the source package, .buildinfo, .changes, build.log and backport.json, the
// manifest naming each artefact with its SHA-256. An entry is complete once backport.json is in
// place (written last, in a temporary directory renamed into place), and it is only used when
// every artefact still matches its hash; a damaged entry is rebuilt, never trusted.
import { createHash } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BackportPlan, BackportResult } from './backport-plan.js';
import { BACKPORT_FORMAT } from './cache-key.js';
import { staleEntryName } from './dead-leftovers.js';

export const MANIFEST = 'backport.json';

export interface BackportManifest {
  readonly format: number;
  readonly cacheKey: string;
  readonly package: string;
  readonly targetSuite: string;
  readonly version: string;
  readonly binaries: readonly string[];
  readonly dsc: string;
  readonly sourceFiles: readonly string[];
  readonly buildinfo: string | null;
  readonly changes: string | null;
  /** File name → lowercase hex SHA-256, for every file above. */
  readonly sha256: Readonly<Record<string, string>>;
}

export function defaultBackportCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.cache'), 'half', 'backports');
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export function manifestFiles(manifest: BackportManifest): string[] {
  const names = [...manifest.binaries, manifest.dsc, ...manifest.sourceFiles];
  if (manifest.buildinfo !== null) names.push(manifest.buildinfo);
  if (manifest.changes !== null) names.push(manifest.changes);
  return names;
}

export function resultOf(manifest: BackportManifest, directory: string, cached: boolean): BackportResult {
  const at = (name: string): string => join(directory, name);
  return {
    package: manifest.package,
    targetSuite: manifest.targetSuite as BackportResult['targetSuite'],
    version: manifest.version,
    binaries: manifest.binaries.map(at),
    source: { dsc: at(manifest.dsc), files: manifest.sourceFiles.map(at) },
    buildinfo: manifest.buildinfo === null ? undefined : at(manifest.buildinfo),
    changes: manifest.changes === null ? undefined : at(manifest.changes),
    directory,
    cached,
  };
}

/** A plain file name inside the entry (a manifest naming `../x` or `a/b` is not one HALF wrote). */
const isFileName = (x: unknown): x is string => typeof x === 'string' && x !== '' && x !== '.' && x !== '..' && !x.includes('/');

/** Whether parsed JSON has the manifest's shape: anything else is a damaged entry, rebuilt. */
function isManifest(m: unknown): m is BackportManifest {
  const o = m as Partial<Record<keyof BackportManifest, unknown>> | null;
  const names = (x: unknown): boolean => Array.isArray(x) && x.every(isFileName);
  const nameOrNull = (x: unknown): boolean => x === null || isFileName(x);
  return (
    typeof o === 'object' && o !== null &&
    typeof o.format === 'number' && typeof o.cacheKey === 'string' && typeof o.package === 'string' && typeof o.targetSuite === 'string' && typeof o.version === 'string' &&
    names(o.binaries) && isFileName(o.dsc) && names(o.sourceFiles) && nameOrNull(o.buildinfo) && nameOrNull(o.changes) &&
    typeof o.sha256 === 'object' && o.sha256 !== null && Object.values(o.sha256).every((h) => typeof h === 'string')
  );
}

/** Why there is no usable cached result; `damaged`: an entry of these inputs exists but its files are not what it built. */
export interface CacheMiss {
  readonly miss: string;
  readonly damaged?: true;
}

/** A usable cached result, with the manifest its files were checked against. */
export interface CacheHit {
  readonly result: BackportResult;
  readonly manifest: BackportManifest;
}

/** The cached result of `plan`, or the reason there is none usable. */
export async function readCachedResult(cacheDir: string, plan: BackportPlan): Promise<CacheHit | CacheMiss> {
  const directory = join(cacheDir, plan.cacheKey);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(directory, MANIFEST), 'utf8'));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { miss: 'not built yet' } : { miss: `${join(directory, MANIFEST)} is damaged`, damaged: true };
  }
  if (!isManifest(parsed)) return { miss: `${join(directory, MANIFEST)} is damaged`, damaged: true };
  const manifest = parsed;
  if (manifest.format !== BACKPORT_FORMAT || manifest.cacheKey !== plan.cacheKey || manifest.version !== plan.version) {
    return { miss: `${join(directory, MANIFEST)} describes another build` };
  }
  for (const name of manifestFiles(manifest)) {
    const want = manifest.sha256[name];
    const have = await sha256File(join(directory, name)).catch(() => undefined);
    if (want === undefined || have !== want) return { miss: `${join(directory, name)} is missing or damaged`, damaged: true };
  }
  return { result: resultOf(manifest, directory, true), manifest };
}

/** Moves a finished staging directory (artefacts + manifest) into place as the entry of its key. */
export async function storeResult(cacheDir: string, staging: string, manifest: BackportManifest): Promise<BackportResult> {
  await writeFile(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  const directory = join(cacheDir, manifest.cacheKey);
  const exists = await stat(directory).then(() => true, () => false);
  if (exists) {
    // a kill before the rm leaves it: the next run as root removes it (dead-leftovers.ts)
    const aside = join(cacheDir, staleEntryName(manifest.cacheKey, process.pid));
    await rename(directory, aside);
    await rm(aside, { recursive: true, force: true });
  }
  await rename(staging, directory);
  return resultOf(manifest, directory, false);
}
