// Checks that every package sits where the configuration can publish it, and that no two
// different files claim the same pool path or one package identity as apt sees it (name, version
// by dpkg's comparison, architecture with "all" in every index).
import type { PoolEntry } from '../model/artifact.js';
import { ConfigError, PackageFormatError } from '../model/errors.js';
import { getField } from '../model/paragraph.js';
import type { RepoConfig } from './config.js';
import { fieldOf } from './fields.js';
import { binaryKeyOf } from './packages.js';
import type { BinaryKey } from './packages.js';
import type { SourceEntry } from './source-entry.js';
import { compareParsedVersions, parseVersion } from '../deb/version.js';

function describeEntry(e: PoolEntry): string {
  return `${getField(e.control, 'Package')} ${getField(e.control, 'Version')} (${getField(e.control, 'Architecture')})`;
}

export function checkPlacement(config: RepoConfig, binaries: readonly PoolEntry[], sources: readonly SourceEntry[]): void {
  const codenames = new Set(config.suites.map((s) => s.codename));
  const components = new Set(config.components);
  const arches = new Set([...config.architectures, 'all']);
  const problems: string[] = [];
  const place = (what: string, suites: readonly string[], component: string) => {
    for (const s of suites) if (!codenames.has(s)) problems.push(`${what} is placed in suite "${s}", which is not configured (suites: ${[...codenames].join(', ')})`);
    if (!components.has(component)) problems.push(`${what} is placed in component "${component}", which is not configured (components: ${config.components.join(', ')})`);
  };
  for (const b of binaries) {
    place(b.poolPath, b.suites, b.component);
    const arch = fieldOf(b.control, 'Architecture') ?? '';
    if (!arches.has(arch)) problems.push(`${b.poolPath} is for architecture "${arch}", which is not configured (architectures: ${config.architectures.join(', ')})`);
  }
  for (const s of sources) place(s.dscPoolPath, s.suites, s.component);
  if (problems.length > 0) {
    throw new ConfigError(problems.length === 1 ? (problems[0] as string) : `${problems.length} packages cannot be published:\n  ${problems.join('\n  ')}`, {
      hint: 'add the suite, component or architecture to half-repo.json, or place the package elsewhere (where published packages are placed is recorded in OUT/.half-repo/state.json)',
    });
  }
}

/**
 * Whether apt takes the two for one package: the same version to dpkg (`1.0` and `1.00`, `1.0`
 * and `0:1.0`) in one index (the same architecture, or `all`, which is listed in every one).
 */
function sameToApt(a: BinaryKey, b: BinaryKey): boolean {
  if (a.architecture !== b.architecture && a.architecture !== 'all' && b.architecture !== 'all') return false;
  if (a.version === b.version) return true;
  const [va, vb] = [parseVersion(a.version), parseVersion(b.version)];
  return va.ok && vb.ok && compareParsedVersions(va.version, vb.version) === 0;
}

/** Throws if two entries share a pool path, or are different files apt would take for one package. */
export function checkIdentities(binaries: readonly PoolEntry[], keyOf: (entry: PoolEntry) => BinaryKey = (e) => binaryKeyOf(e.control)): void {
  const byPath = new Map<string, PoolEntry>();
  const byName = new Map<string, { entry: PoolEntry; key: BinaryKey }[]>();
  for (const b of binaries) {
    const samePath = byPath.get(b.poolPath);
    if (samePath !== undefined && samePath.digests.sha256 !== b.digests.sha256) {
      throw new PackageFormatError(`${b.poolPath} already holds a different file (sha256 ${samePath.digests.sha256.slice(0, 16)}…, new ${b.digests.sha256.slice(0, 16)}…)`, {
        hint: 'a published file never changes: give the new build a new version',
      });
    }
    byPath.set(b.poolPath, b);
    const key = keyOf(b);
    const named = byName.get(key.name) ?? [];
    const same = named.find((o) => o.entry.digests.sha256 !== b.digests.sha256 && sameToApt(o.key, key));
    if (same !== undefined) {
      const exact = same.key.version === key.version && same.key.architecture === key.architecture;
      const why = exact
        ? ''
        : same.key.version !== key.version
          ? ` (dpkg compares ${key.version} and ${same.key.version} as equal${same.key.architecture === key.architecture ? '' : ', and an "all" package is listed for every architecture'})`
          : ' (an "all" package is listed for every architecture, so apt sees both under one version)';
      const what = exact
        ? `${describeEntry(b)} is already in the pool as ${same.entry.poolPath} with different content`
        : `${describeEntry(b)} is one package to apt with ${describeEntry(same.entry)}, already in the pool as ${same.entry.poolPath}${why}`;
      throw new PackageFormatError(`${what} (new file: ${b.poolPath})`, {
        hint: 'a published version never changes: give the new build a new version',
      });
    }
    named.push({ entry: b, key });
    byName.set(key.name, named);
  }
}
