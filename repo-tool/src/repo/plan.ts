// Plans the whole repository: which packages each suite lists (retention applied), every index
// file with its compressed forms, digests and by-hash names, each suite's Release, the
// dists/<suite> symlinks, and the pool files to add. Writes nothing; the only outside help is
// the IndexCompressor (xz runs as a program), whose output depends on its input alone.
import type { PoolEntry } from '../model/artifact.js';
import { getField } from '../model/paragraph.js';
import type { RepoConfig } from './config.js';
import type { IndexCompressor } from './index-compressor.js';
import { IndexMaterializer } from './index-files.js';
import type { MaterializedIndex } from './index-files.js';
import { binaryKeyOf, compareBinaryKeys, packageStanzaText } from './packages.js';
import type { BinaryKey } from './packages.js';
import type { NewPoolFile, PlannedIndexFile, PlannedSuite, RepoPlan } from './plan-model.js';
import { checkIdentities, checkPlacement } from './placement.js';
import { planPool, sourcePoolPaths } from './plan-pool.js';
import { formatRelease } from './release.js';
import type { ReleaseEntry } from './release.js';
import { keepLatest } from './retention.js';
import type { SourceEntry } from './source-entry.js';
import { componentIndexTexts, directoryReleaseTexts } from './suite-indexes.js';
import type { IndexText } from './suite-indexes.js';

export interface RepoInput {
  readonly config: RepoConfig;
  /** Release Date (and signature date); the CLI passes now or SOURCE_DATE_EPOCH. */
  readonly date: Date;
  /** Every binary in the repository: those already in the pool and those this publish adds. */
  readonly binaries: readonly PoolEntry[];
  readonly sources: readonly SourceEntry[];
  /** Bytes of the pool files this publish adds. */
  readonly additions: readonly NewPoolFile[];
  readonly compressor: IndexCompressor;
}

export { byHashPaths, indexDigestsOf } from './index-files.js';

export async function planRepository(input: RepoInput): Promise<RepoPlan> {
  const { config } = input;
  checkPlacement(config, input.binaries, input.sources);
  // Per-package work happens once per plan, whatever the number of suites and architectures.
  const keys = new Map<PoolEntry, BinaryKey>(input.binaries.map((b) => [b, binaryKeyOf(b.control)]));
  const key = (b: PoolEntry) => keys.get(b) as BinaryKey;
  checkIdentities(input.binaries, key);
  const unique = new Map<string, PoolEntry>();
  for (const b of input.binaries) {
    const seen = unique.get(b.poolPath);
    if (seen === undefined) unique.set(b.poolPath, b);
    else {
      // The same file given twice (same content, checked above): one entry, both placements.
      const merged = { ...seen, suites: [...new Set([...seen.suites, ...b.suites])] };
      keys.set(merged, key(seen));
      unique.set(b.poolPath, merged);
    }
  }
  const sorted = [...unique.values()].sort((a, b) => compareBinaryKeys(key(a), key(b)));
  const stanzas = new Map<PoolEntry, string>();
  const stanza = (entry: PoolEntry): string => {
    let text = stanzas.get(entry);
    if (text === undefined) stanzas.set(entry, (text = packageStanzaText(entry) + '\n'));
    return text;
  };
  const materializer = new IndexMaterializer(input.compressor);
  const componentTexts = new Map<string, IndexText[]>();
  const referenced = new Set<string>();
  const suites: PlannedSuite[] = [];
  for (const suite of config.suites) {
    const dir = `dists/${suite.codename}`;
    const texts: IndexText[] = [];
    for (const component of config.components) {
      const inSuite = sorted.filter((b) => b.component === component && b.suites.includes(suite.codename));
      const kept = new Set(keepLatest(inSuite, (b) => `${key(b).name}\0${key(b).architecture}`, (b) => key(b).version, config.keepVersions));
      const listed = inSuite.filter((b) => kept.has(b));
      const sourcesInSuite = input.sources.filter((s) => s.component === component && s.suites.includes(suite.codename));
      const listedSources = keepLatest(sourcesInSuite, (s) => getField(s.dsc, 'Source') ?? '', (s) => getField(s.dsc, 'Version') ?? '', config.keepVersions);
      for (const b of listed) referenced.add(b.poolPath);
      for (const s of listedSources) for (const p of sourcePoolPaths(s)) referenced.add(p);
      const signature = `${component}\0${listed.map((b) => b.poolPath).join('\n')}\0${listedSources.map((s) => s.dscPoolPath).join('\n')}`;
      let shared = componentTexts.get(signature);
      if (shared === undefined) {
        shared = componentIndexTexts({ architectures: config.architectures, component, binaries: listed, sources: listedSources, stanza, architectureOf: (b) => key(b).architecture });
        componentTexts.set(signature, shared);
      }
      texts.push(...shared, ...directoryReleaseTexts(config, suite, component));
    }
    const done: MaterializedIndex[] = await Promise.all(texts.map((t) => materializer.materialize(t)));
    const indexes: PlannedIndexFile[] = [];
    const entries: ReleaseEntry[] = [];
    texts.forEach((index, i) => {
      const m = done[i] as MaterializedIndex;
      if (!m.files.has('')) entries.push({ path: index.path, digests: m.plain });
      for (const variant of index.variants) {
        const file = m.files.get(variant) as PlannedIndexFile;
        entries.push({ path: `${index.path}${variant}`, digests: file.digests });
        indexes.push({ ...file, path: `${dir}/${index.path}${variant}`, byHash: file.byHash.map((p) => `${dir}/${index.path.slice(0, index.path.lastIndexOf('/'))}/${p}`) });
      }
    });
    const validUntil = config.validFor === null ? undefined : new Date(input.date.getTime() + config.validFor * 1000);
    const release = formatRelease({
      origin: config.origin,
      label: config.label,
      suite: suite.suite,
      codename: suite.codename,
      ...(suite.version !== undefined ? { version: suite.version } : {}),
      description: config.description,
      date: input.date,
      ...(validUntil !== undefined ? { validUntil } : {}),
      architectures: config.architectures,
      components: config.components,
      acquireByHash: true,
      entries,
    });
    suites.push({ codename: suite.codename, suite: suite.suite, dir, indexes, release });
  }
  const { pool, unreferenced } = planPool(input, referenced);
  const symlinks = config.suites.filter((s) => s.suite !== s.codename).map((s) => ({ path: `dists/${s.suite}`, target: s.codename }));
  return { config, date: input.date, pool, suites, symlinks, binaries: [...unique.values()], sources: input.sources, unreferenced };
}
