// The retention rule: the indexes list the last N versions of each package; older versions
// leave the indexes and, after the grace period, the pool.
import { compareVersions } from '../deb/version.js';

/** The newest `keep` items of each group (groups by `key`, newest by dpkg version order). */
export function keepLatest<T>(items: readonly T[], key: (item: T) => string, version: (item: T) => string, keep: number): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  const kept: T[] = [];
  for (const group of groups.values()) {
    if (group.length <= keep) kept.push(...group);
    else kept.push(...group.sort((a, b) => compareVersions(version(b), version(a))).slice(0, keep));
  }
  return kept;
}
