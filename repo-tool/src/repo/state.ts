// The repository's state file, OUT/.half-repo/state.json: what is in the pool (each .deb's
// control, paths, digests and placement, keyed by pool path with size+mtime+inode so a publish
// re-reads only files that changed) and since when published files are unreferenced (for
// by-hash retention and the pool grace period). Pure (de)serialization; the store is the
// PublishedStorage the publisher writes through.
import type { Digests } from '../format/digests.js';
import type { PoolEntry } from '../model/artifact.js';
import { PublishError } from '../model/errors.js';
import type { Field } from '../model/paragraph.js';
import type { SourceEntry } from './source-entry.js';

export const STATE_DIR = '.half-repo';
export const STATE_PATH = `${STATE_DIR}/state.json`;
/** Pool paths the running (or a stopped) publish is creating, one per line (publish.ts). */
export const PENDING_PATH = `${STATE_DIR}/pending`;
const FORMAT = 1;

export interface PoolFileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

export interface StoredBinary {
  readonly entry: PoolEntry;
  readonly stat: PoolFileStat;
}

export interface StoredSource {
  readonly entry: SourceEntry;
  /** Stat of the .dsc and of each file it lists, by pool path. */
  readonly stats: Readonly<Record<string, PoolFileStat>>;
}

export interface RepoState {
  readonly binaries: readonly StoredBinary[];
  readonly sources: readonly StoredSource[];
  /** Published paths (by-hash and pool files) no Release lists any more → since when (ms since the epoch). */
  readonly retired: Readonly<Record<string, number>>;
}

export const emptyState: RepoState = { binaries: [], sources: [], retired: {} };

/** Every pool file the state names: each .deb, each .dsc and the files it lists. */
export function poolPathsOf(state: RepoState): Set<string> {
  return new Set([...state.binaries.map((b) => b.entry.poolPath), ...state.sources.flatMap((s) => Object.keys(s.stats))]);
}

export function sameStat(a: PoolFileStat | undefined, b: PoolFileStat | undefined): boolean {
  return a !== undefined && b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

export function serializeState(state: RepoState): Uint8Array {
  const binaries = [...state.binaries].sort((a, b) => (a.entry.poolPath < b.entry.poolPath ? -1 : 1));
  const sources = [...state.sources].sort((a, b) => (a.entry.dscPoolPath < b.entry.dscPoolPath ? -1 : 1));
  return new TextEncoder().encode(JSON.stringify({ format: FORMAT, binaries, sources, retired: state.retired }) + '\n');
}

function isDigests(d: unknown): d is Digests {
  const o = d as Record<string, unknown>;
  return typeof o === 'object' && o !== null && typeof o['size'] === 'number' && ['md5', 'sha1', 'sha256', 'sha512'].every((k) => typeof o[k] === 'string');
}

function isParagraph(p: unknown): p is Field[] {
  return Array.isArray(p) && p.every((f) => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string');
}

function isStrings(a: unknown): a is string[] {
  return Array.isArray(a) && a.every((x) => typeof x === 'string');
}

function isStat(s: unknown): s is PoolFileStat {
  const o = s as Record<string, unknown> | null | undefined;
  return typeof o === 'object' && o !== null && ['size', 'mtimeMs', 'ino'].every((k) => typeof o[k] === 'number');
}

/** What is wrong with a stored .deb entry, or undefined. */
function binaryProblem(b: StoredBinary): string | undefined {
  const e = b?.entry;
  if (typeof e?.poolPath !== 'string' || !isDigests(e.digests) || !isStat(b.stat)) return 'its path, digests or stat';
  if (!isParagraph(e.control) || !['Package', 'Version', 'Architecture'].every((name) => e.control.some(([field, value]) => field === name && value !== ''))) return 'its control fields';
  if (!isStrings(e.paths) || !isStrings(e.suites) || e.suites.length === 0 || typeof e.component !== 'string' || e.component === '') return 'its file list, suites or component';
  return undefined;
}

/** What is wrong with a stored source package entry, or undefined. */
function sourceProblem(s: StoredSource): string | undefined {
  const e = s?.entry;
  if (typeof e?.dscPoolPath !== 'string' || !isDigests(e.dscDigests) || !isParagraph(e.dsc)) return 'its path, digests or .dsc fields';
  if (!Array.isArray(e.files) || !e.files.every((f) => typeof f?.name === 'string' && isDigests(f.digests))) return 'its file list';
  if (!isStrings(e.suites) || e.suites.length === 0 || typeof e.component !== 'string' || e.component === '') return 'its suites or component';
  if (typeof s.stats !== 'object' || s.stats === null || !Object.values(s.stats).every(isStat)) return 'its stats';
  return undefined;
}

/** Parses state.json; a damaged file is a PublishError that says how to recover. */
export function parseState(bytes: Uint8Array, location: string): RepoState {
  const fail = (why: string): never => {
    throw new PublishError(`${location}: ${why}`, {
      hint: `move ${STATE_PATH} away, run \`half-repo build\` again (it publishes HALF's packages and the backports), then import again the packages you had imported`,
    });
  };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return fail('is not valid JSON');
  }
  if (raw['format'] !== FORMAT) fail(`has format ${String(raw['format'])}, this half-repo reads format ${FORMAT}`);
  const binaries = raw['binaries'];
  const sources = raw['sources'];
  const retired = raw['retired'];
  if (!Array.isArray(binaries) || !Array.isArray(sources) || typeof retired !== 'object' || retired === null || Array.isArray(retired)) return fail('lacks binaries, sources or retired');
  if (!Object.values(retired).every((since) => typeof since === 'number')) fail('has a retired time that is not a number');
  for (const b of binaries as StoredBinary[]) {
    const problem = binaryProblem(b);
    if (problem !== undefined) fail(`has a damaged pool entry ${JSON.stringify(b?.entry?.poolPath ?? null)} (${problem})`);
  }
  for (const s of sources as StoredSource[]) {
    const problem = sourceProblem(s);
    if (problem !== undefined) fail(`has a damaged source entry ${JSON.stringify(s?.entry?.dscPoolPath ?? null)} (${problem})`);
  }
  return { binaries: binaries as StoredBinary[], sources: sources as StoredSource[], retired: retired as Record<string, number> };
}
