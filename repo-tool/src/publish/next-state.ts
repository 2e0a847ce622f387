// The state this publish leaves: the pool database (minus what is collected now) with each
// file's stat, and the `retired` times that drive by-hash retention and the pool grace period.
import { PublishError } from '../model/errors.js';
import type { RepoPlan } from '../repo/plan-model.js';
import type { RepoState, StoredBinary, StoredSource } from '../repo/state.js';
import { planCollection } from './collect.js';
import type { Collection } from './collect.js';
import type { PublishedStorage, StoredFileStat } from './storage.js';

export function sourcePaths(dsc: string, files: readonly { name: string }[]): string[] {
  const dir = dsc.slice(0, dsc.lastIndexOf('/'));
  return [dsc, ...files.map((f) => `${dir}/${f.name}`)];
}

export interface NextState {
  readonly state: RepoState;
  readonly collection: Collection;
}

export async function nextState(
  plan: RepoPlan,
  storage: PublishedStorage,
  previous: RepoState,
  now: number,
  existingByHash: readonly string[],
  known: ReadonlyMap<string, StoredFileStat>,
): Promise<NextState> {
  const collection = planCollection({
    retired: previous.retired,
    now,
    existingByHash,
    currentByHash: new Set(plan.suites.flatMap((s) => s.indexes.flatMap((x) => x.byHash))),
    unreferencedPool: plan.unreferenced,
    byHashRetention: plan.config.byHashRetention,
    poolGrace: plan.config.poolGrace,
  });
  const gone = new Set(collection.pool);
  const binaries = plan.binaries.filter((b) => !gone.has(b.poolPath));
  const sources = plan.sources.filter((s) => !gone.has(s.dscPoolPath));
  const paths = [...binaries.map((b) => b.poolPath), ...sources.flatMap((s) => sourcePaths(s.dscPoolPath, s.files))];
  const unknown = paths.filter((p) => !known.has(p));
  const fresh = await storage.statMany(unknown);
  const stats = new Map(known);
  unknown.forEach((p, i) => {
    const stat = fresh[i];
    if (stat === undefined) throw new PublishError(`${p} vanished from the pool while publishing`, { hint: 'publish again' });
    stats.set(p, stat);
  });
  const storedBinaries: StoredBinary[] = binaries.map((entry) => ({ entry, stat: stats.get(entry.poolPath) as StoredFileStat }));
  const storedSources: StoredSource[] = sources.map((entry) => ({
    entry,
    stats: Object.fromEntries(sourcePaths(entry.dscPoolPath, entry.files).map((p) => [p, stats.get(p) as StoredFileStat])),
  }));
  return { state: { binaries: storedBinaries, sources: storedSources, retired: collection.retired }, collection };
}
