// Checks that every package sits where the configuration can publish it, and that no two
// different files claim the same pool path or the same package name/version/architecture
// (apt would see two different packages under one identity).
import type { PoolEntry } from '../model/artifact.js';
import { ConfigError, PackageFormatError } from '../model/errors.js';
import { getField } from '../model/paragraph.js';
import type { RepoConfig } from './config.js';
import { fieldOf } from './fields.js';
import { binaryKeyOf } from './packages.js';
import type { BinaryKey } from './packages.js';
import type { SourceEntry } from './source-entry.js';

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

/** Throws if two entries share a pool path or a name/version/architecture with different content. */
export function checkIdentities(binaries: readonly PoolEntry[], keyOf: (entry: PoolEntry) => BinaryKey = (e) => binaryKeyOf(e.control)): void {
  const byPath = new Map<string, PoolEntry>();
  const byIdentity = new Map<string, PoolEntry>();
  for (const b of binaries) {
    const samePath = byPath.get(b.poolPath);
    if (samePath !== undefined && samePath.digests.sha256 !== b.digests.sha256) {
      throw new PackageFormatError(`${b.poolPath} already holds a different file (sha256 ${samePath.digests.sha256.slice(0, 16)}…, new ${b.digests.sha256.slice(0, 16)}…)`, {
        hint: 'a published file never changes: give the new build a new version',
      });
    }
    byPath.set(b.poolPath, b);
    const key = keyOf(b);
    const identity = `${key.name}\0${key.version}\0${key.architecture}`;
    const same = byIdentity.get(identity);
    if (same !== undefined && same.digests.sha256 !== b.digests.sha256) {
      throw new PackageFormatError(`${describeEntry(b)} is already in the pool as ${same.poolPath} with different content (new file: ${b.poolPath})`, {
        hint: 'a published version never changes: give the new build a new version',
      });
    }
    byIdentity.set(identity, b);
  }
}
