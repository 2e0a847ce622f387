// A whole repository for publish and verify tests: real .debs (dpkg-deb), the planner, the
// publisher on a LocalStorage, a throwaway key.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoConfig } from '../../../../repo-tool/src/repo/config.js';
import { defaultRepoConfig } from '../../../../repo-tool/src/repo/config.js';
import { MemoryChunkCache } from '../../../../repo-tool/src/repo/chunk-cache.js';
import { ChunkedIndexCompressor } from '../../../../repo-tool/src/repo/index-compressor.js';
import { planRepository } from '../../../../repo-tool/src/repo/plan.js';
import type { RepoPlan } from '../../../../repo-tool/src/repo/plan-model.js';
import { mergeIntoRepository, placeDeb } from '../../../../repo-tool/src/repo/pool-additions.js';
import type { Placement } from '../../../../repo-tool/src/repo/pool-additions.js';
import type { CheckedSource } from '../../../../repo-tool/src/repo/source-package.js';
import { checkSourcePackage } from '../../../../repo-tool/src/repo/source-package.js';
import { fixedClock } from '../../../../repo-tool/src/publish/clock.js';
import { scanPool } from '../../../../repo-tool/src/publish/pool-scan.js';
import type { PoolScan } from '../../../../repo-tool/src/publish/pool-scan.js';
import type { RepoState } from '../../../../repo-tool/src/repo/state.js';
import { publish } from '../../../../repo-tool/src/publish/publish.js';
import type { PublishResult } from '../../../../repo-tool/src/publish/publish.js';
import { loadState } from '../../../../repo-tool/src/publish/state-store.js';
import type { PublishedStorage } from '../../../../repo-tool/src/publish/storage.js';
import type { Signer } from '../../../../repo-tool/src/model/signer.js';
import type { DebInspector } from '../../../../repo-tool/src/repo/deb-inspector.js';
import { inspectWithDpkgDeb, makeDeb } from './debs.js';
import type { DebSpec, MadeDeb } from './debs.js';
import type { MadeSource } from './sources.js';

export const compressorCache = new MemoryChunkCache();

export interface Round {
  readonly debs?: readonly (DebSpec | MadeDeb)[];
  readonly sources?: readonly MadeSource[];
  readonly placement?: Placement;
  readonly config?: RepoConfig;
  readonly date: Date;
  /** Clock time of the publish (default: date). */
  readonly now?: Date;
  /** The .deb reader (default: dpkg-deb). */
  readonly inspect?: DebInspector;
}

export interface RoundResult {
  readonly plan: RepoPlan;
  readonly result: PublishResult;
}

function allSuites(config: RepoConfig): Placement {
  return { component: config.components[0] as string, suites: config.suites.map((s) => s.codename) };
}

export interface PreparedRound {
  readonly plan: RepoPlan;
  readonly previous: RepoState;
  readonly scan: PoolScan;
}

/** Prepares a plan the way the CLI will: load state, rescan the pool, add the new packages, plan. */
export async function planRound(storage: PublishedStorage, workDir: string, round: Round): Promise<RepoPlan> {
  return (await prepareRound(storage, workDir, round)).plan;
}

export async function prepareRound(storage: PublishedStorage, workDir: string, round: Round): Promise<PreparedRound> {
  const config = round.config ?? defaultRepoConfig;
  const placement = round.placement ?? allSuites(config);
  const state = await loadState(storage);
  const scan = await scanPool(storage, state, { config, inspect: round.inspect ?? inspectWithDpkgDeb });
  const placed = [];
  for (const d of round.debs ?? []) {
    const deb = 'bytes' in d ? d : await makeDeb(join(workDir, 'incoming'), d);
    const inspected = await inspectWithDpkgDeb(deb.bytes, deb.fileName);
    placed.push(placeDeb({ fileName: deb.fileName, bytes: deb.bytes, ...inspected }, placement));
  }
  const sources: CheckedSource[] = [];
  for (const s of round.sources ?? []) {
    const read = async (name: string) => ({ name, bytes: new Uint8Array(await readFile(join(s.dir, name))) });
    sources.push(checkSourcePackage(await read(s.dscName), await Promise.all(s.fileNames.map(read)), placement.component, placement.suites));
  }
  const merged = mergeIntoRepository(scan, placed, sources);
  const plan = await planRepository({ config, date: round.date, ...merged, compressor: new ChunkedIndexCompressor(compressorCache) });
  return { plan, previous: state, scan };
}

export async function publishRound(storage: PublishedStorage, signer: Signer, workDir: string, round: Round): Promise<RoundResult> {
  const { plan, previous, scan } = await prepareRound(storage, workDir, round);
  const result = await publish(plan, storage, signer, fixedClock(round.now ?? round.date), { previous, poolStats: scan.stats });
  return { plan, result };
}
