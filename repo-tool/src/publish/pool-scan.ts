// Brings the state's view of the pool up to date before planning: a file whose size, mtime and
// inode match its state entry is trusted without being read; only changed (or, on request,
// unknown) files are read, hashed and inspected. This is what keeps a one-package publish into
// a 10,000-package repository from touching the other 9,999 .debs.
import { digestsOf } from '../format/digests.js';
import type { PoolEntry } from '../model/artifact.js';
import { mapBudgeted } from '../model/map-budgeted.js';
import type { RepoConfig } from '../repo/config.js';
import type { DebInspector } from '../repo/deb-inspector.js';
import { checkSourcePackage } from '../repo/source-package.js';
import type { SourceEntry } from '../repo/source-entry.js';
import type { RepoState } from '../repo/state.js';
import { sameStat } from '../repo/state.js';
import type { PublishedStorage, StoredFileStat } from './storage.js';

export interface PoolScan {
  readonly binaries: readonly PoolEntry[];
  readonly sources: readonly SourceEntry[];
  /** Pool files read and hashed again (changed since the state was written, or adopted). */
  readonly reread: readonly string[];
  /** State entries whose pool file is gone (dropped). */
  readonly missing: readonly string[];
  /** Unknown .debs found in the pool and published in every suite (only with `adoptUnknown`). */
  readonly adopted: readonly string[];
  /** Problems that dropped an entry, one sentence each. */
  readonly warnings: readonly string[];
  /** Stat of every pool file found (pass to publish so it does not stat them again). */
  readonly stats: ReadonlyMap<string, StoredFileStat>;
}

export interface ScanOptions {
  readonly config: RepoConfig;
  readonly inspect: DebInspector;
  /** Also list the pool and adopt .debs the state does not know (slower: walks every directory). */
  readonly adoptUnknown?: boolean;
}

/** Changed files read and inspected at once, as `half-repo import` checks its files. */
const READ_CONCURRENCY = 64;
const READ_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export async function scanPool(storage: PublishedStorage, state: RepoState, options: ScanOptions): Promise<PoolScan> {
  const reread: string[] = [];
  const missing: string[] = [];
  const adopted: string[] = [];
  const warnings: string[] = [];
  const readEntry = async (path: string, placement: Pick<PoolEntry, 'suites' | 'component'>, published?: PoolEntry['digests']): Promise<PoolEntry | undefined> => {
    reread.push(path);
    const bytes = await storage.readFile(path);
    // a published file never changes: clients and their proxies hold the old bytes under its name
    const now = digestsOf(bytes);
    if (published !== undefined && now.sha256 !== published.sha256) {
      warnings.push(`${path} has other bytes than were published (sha256 ${published.sha256.slice(0, 16)}…, now ${now.sha256.slice(0, 16)}…), left out: restore it from a backup, or publish the new build under a new version`);
      return undefined;
    }
    try {
      const inspected = await options.inspect(bytes, baseName(path));
      return { poolPath: path, digests: now, control: inspected.control, paths: inspected.paths, ...placement };
    } catch (error) {
      warnings.push(`${path} is no longer a readable package, left out: ${(error as Error).message}`);
      return undefined;
    }
  };
  const found = new Map<string, StoredFileStat>();
  const stats = await storage.statMany(state.binaries.map((b) => b.entry.poolPath));
  const kept: (PoolEntry | undefined)[] = [];
  const changed: { readonly at: number; readonly entry: PoolEntry; readonly size: number }[] = [];
  for (const [i, { entry, stat }] of state.binaries.entries()) {
    const now = stats[i];
    if (now !== undefined) found.set(entry.poolPath, now);
    if (now === undefined) missing.push(entry.poolPath);
    else if (sameStat(now, stat)) kept.push(entry);
    else {
      changed.push({ at: kept.length, entry, size: now.size });
      kept.push(undefined);
    }
  }
  // changed files are read concurrently (after a copy or a restore every file has changed)
  const read = await mapBudgeted(changed, READ_CONCURRENCY, READ_BYTES_IN_FLIGHT, async (c) => c.size, (c) => readEntry(c.entry.poolPath, c.entry, c.entry.digests));
  changed.forEach((c, i) => (kept[c.at] = read[i]));
  const binaries: PoolEntry[] = kept.filter((e): e is PoolEntry => e !== undefined);

  const sources = (
    await Promise.all(
      state.sources.map(async ({ entry, stats }) => {
        const paths = Object.keys(stats);
        const now = await storage.statMany(paths);
        paths.forEach((p, i) => now[i] !== undefined && found.set(p, now[i] as StoredFileStat));
        if (now.some((s) => s === undefined)) {
          missing.push(entry.dscPoolPath);
          return undefined;
        }
        if (paths.every((p, i) => sameStat(now[i], stats[p]))) return entry;
        reread.push(...paths);
        try {
          const files = await Promise.all(paths.map(async (p) => ({ name: baseName(p), bytes: await storage.readFile(p) })));
          const dsc = files.find((f) => f.name === baseName(entry.dscPoolPath));
          if (dsc === undefined) return undefined;
          return checkSourcePackage(dsc, files, entry.component, entry.suites).entry;
        } catch (error) {
          warnings.push(`${entry.dscPoolPath} changed in the pool and no longer checks out, left out: ${(error as Error).message}`);
          return undefined;
        }
      }),
    )
  ).filter((e): e is SourceEntry => e !== undefined);

  if (options.adoptUnknown === true) {
    const known = new Set(state.binaries.map((b) => b.entry.poolPath));
    const codenames = options.config.suites.map((s) => s.codename);
    for (const path of await storage.list('pool')) {
      if (!path.endsWith('.deb') || known.has(path) || baseName(path).startsWith('.')) continue;
      const component = path.split('/')[1] ?? '';
      if (!options.config.components.includes(component)) {
        warnings.push(`${path} is in no configured component, left out`);
        continue;
      }
      const entry = await readEntry(path, { suites: codenames, component });
      if (entry !== undefined) {
        adopted.push(path);
        binaries.push(entry);
      }
    }
  }
  // files are read concurrently: their warnings, each beginning with its path, are given in path order
  return { binaries, sources, reread, missing, adopted, warnings: warnings.sort(), stats: found };
}
