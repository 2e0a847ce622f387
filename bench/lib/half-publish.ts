// half-repo's side of benchmarks (b) and (c): updateRepository on a LocalStorage, as
// `half-repo build` and `half-repo import` wire it (build-repository.ts), with one suite like
// the references' (bench/stable, component half, amd64) and the index chunk cache on disk in
// a folder of the run (cold on a first publish, warm afterwards, as for the CLI).
import { join } from 'node:path';
import type { DebArtifact } from '../../repo-tool/src/model/artifact.js';
import { debInspector } from '../../repo-tool/src/build/deb-inspector.js';
import { systemClock } from '../../repo-tool/src/publish/clock.js';
import { LocalStorage } from '../../repo-tool/src/publish/local-storage.js';
import { updateRepository } from '../../repo-tool/src/publish/update.js';
import type { UpdateResult } from '../../repo-tool/src/publish/update.js';
import { DiskChunkCache } from '../../repo-tool/src/repo/chunk-cache.js';
import type { RepoConfig } from '../../repo-tool/src/repo/config.js';
import { defaultRepoConfig } from '../../repo-tool/src/repo/config.js';
import { importPackages } from '../../repo-tool/src/repo/import.js';
import { ChunkedIndexCompressor } from '../../repo-tool/src/repo/index-compressor.js';
import { mergeIntoRepository, placeDeb } from '../../repo-tool/src/repo/pool-additions.js';
import type { MergedContents, RepoContents } from '../../repo-tool/src/repo/pool-additions.js';
import { COMPONENT, SUITE } from './apt-ftparchive.js';
import type { BenchKey } from './signing-key.js';

export const BENCH_CONFIG: RepoConfig = {
  ...defaultRepoConfig,
  suites: [{ codename: SUITE, suite: 'stable' }],
  components: [COMPONENT],
  architectures: ['amd64'],
};

const PLACEMENT = { component: COMPONENT, suites: [SUITE] };

export interface HalfRepo {
  readonly out: string;
  /** dists/bench. */
  readonly dist: string;
  /** Publishes built artifacts (what `half-repo build` does after building). */
  publishBuilt(debs: readonly DebArtifact[]): Promise<UpdateResult>;
  /** Imports .deb files, reading and checking each (what `half-repo import` does). */
  publishFiles(files: readonly string[]): Promise<UpdateResult>;
}

/** A repository at `out`; compressed index chunks are cached in `cacheDir`. */
export function halfRepo(out: string, cacheDir: string, key: BenchKey): HalfRepo {
  const update = (add: (known: RepoContents) => MergedContents | Promise<MergedContents>) =>
    updateRepository({
      storage: new LocalStorage(out),
      config: BENCH_CONFIG,
      date: new Date(),
      signer: key.signer,
      clock: systemClock,
      inspect: debInspector,
      compressor: new ChunkedIndexCompressor(new DiskChunkCache(cacheDir)),
      add,
    });
  return {
    out,
    dist: join(out, 'dists', SUITE),
    publishBuilt: (debs) => update((known) => mergeIntoRepository(known, debs.map((d) => placeDeb(d, PLACEMENT)))),
    publishFiles: (files) => update((known) => importPackages(files, known, { config: BENCH_CONFIG, inspect: debInspector, placement: PLACEMENT })),
  };
}
