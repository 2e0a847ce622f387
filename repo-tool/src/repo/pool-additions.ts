// Adds built or imported packages to what the repository holds: places each file in the pool,
// merges the suites of a file that is already there unchanged, and refuses a different file
// under a name the pool already uses. Pure.
import { digestsOf } from '../format/digests.js';
import type { DebArtifact, PoolEntry } from '../model/artifact.js';
import { PackageFormatError } from '../model/errors.js';
import type { NewPoolFile } from './plan-model.js';
import { checkIdentities } from './placement.js';
import { poolPathOf, sourceNameOf } from './pool-path.js';
import type { CheckedSource } from './source-package.js';
import type { SourceEntry } from './source-entry.js';

export interface Placement {
  readonly component: string;
  /** Codenames. */
  readonly suites: readonly string[];
}

export interface PlacedDeb {
  readonly entry: PoolEntry;
  readonly file: NewPoolFile;
}

export interface RepoContents {
  readonly binaries: readonly PoolEntry[];
  readonly sources: readonly SourceEntry[];
}

export interface MergedContents extends RepoContents {
  /** Files to write: the new ones only. */
  readonly additions: readonly NewPoolFile[];
}

type DebLike = Pick<DebArtifact, 'fileName' | 'bytes' | 'control' | 'paths'>;

export function placeDeb(deb: DebLike, placement: Placement): PlacedDeb {
  const digests = digestsOf(deb.bytes);
  const poolPath = poolPathOf(placement.component, sourceNameOf(deb.control), deb.fileName);
  return {
    entry: { poolPath, digests, control: deb.control, paths: deb.paths, suites: placement.suites, component: placement.component },
    file: { path: poolPath, bytes: deb.bytes, digests },
  };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function refuse(path: string): never {
  throw new PackageFormatError(`${path} is already in the pool with different content`, {
    hint: `a published file never changes: give the new build a new version (${newVersionFix(path)})`,
  });
}

/** Where a pool file's version comes from: a backport's +halfN suffix, or HALF's package.json. */
function newVersionFix(path: string): string {
  const source = path.split('/')[3]; // pool/<component>/<prefix>/<source>/<file>
  return /\+half[0-9]+[_.]/.test(path) && source !== undefined
    ? `a HALF backport: raise "${source}.iteration" in pkgs/backports.json`
    : 'HALF\'s own packages: raise "version" in package.json; a package from elsewhere: rebuild it with a new version';
}

export function mergeIntoRepository(known: RepoContents, debs: readonly PlacedDeb[], sources: readonly CheckedSource[] = []): MergedContents {
  const binaries = new Map(known.binaries.map((b) => [b.poolPath, b]));
  const additions = new Map<string, NewPoolFile>();
  const knownFiles = new Map<string, string>(); // path → sha256
  for (const b of known.binaries) knownFiles.set(b.poolPath, b.digests.sha256);
  for (const s of known.sources) {
    knownFiles.set(s.dscPoolPath, s.dscDigests.sha256);
    const dir = s.dscPoolPath.slice(0, s.dscPoolPath.lastIndexOf('/'));
    for (const f of s.files) knownFiles.set(`${dir}/${f.name}`, f.digests.sha256);
  }
  const addFile = (file: NewPoolFile) => {
    const published = knownFiles.get(file.path);
    const added = additions.get(file.path)?.digests.sha256;
    if (published === undefined && added === undefined) additions.set(file.path, file);
    else if (published !== undefined && published !== file.digests.sha256) refuse(file.path);
    else if (added !== undefined && added !== file.digests.sha256) {
      throw new PackageFormatError(`two of the files given would both be ${file.path}, with different content`, {
        hint: 'import one build of each package version at a time',
      });
    }
  };
  for (const { entry, file } of debs) {
    addFile(file);
    const old = binaries.get(entry.poolPath);
    binaries.set(entry.poolPath, old === undefined ? entry : { ...old, suites: union(old.suites, entry.suites) });
  }
  const sourceMap = new Map(known.sources.map((s) => [s.dscPoolPath, s]));
  for (const { entry, poolFiles } of sources) {
    for (const file of poolFiles) addFile(file);
    const old = sourceMap.get(entry.dscPoolPath);
    sourceMap.set(entry.dscPoolPath, old === undefined ? entry : { ...old, suites: union(old.suites, entry.suites) });
  }
  const merged = [...binaries.values()];
  // Name/version/architecture clashes with known packages matter only for what is added now.
  if (debs.length > 0) checkIdentities(merged);
  return { binaries: merged, sources: [...sourceMap.values()], additions: [...additions.values()] };
}
