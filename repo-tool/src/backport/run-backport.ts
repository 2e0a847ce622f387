// Applies a backport plan: returns the cached result when one exists for the plan's key (no root,
// no network, a few hashes), otherwise builds in a fresh copy of a clean Debian chroot
// (backport-builder.ts), collects the .debs and the source package named by the .changes and the
// .dsc, stores them under <cacheDir>/<key>/ and deletes the build root. Building needs root.
// A version the target repository publishes already is rebuilt too (the build is reproducible)
// and used only when its files are the pool's, byte for byte (published-version.ts); a rebuild
// that differs is cached all the same (it is what these inputs make) and refused, as is any
// cached build that differs from the pool, so a refusal costs one build, not one per run.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { versionWithoutEpoch } from '../deb/version.js';
import { ConfigError, PackageFormatError } from '../model/errors.js';
import { defaultBackportCacheDir, readCachedResult, sha256File, storeResult, type BackportManifest, type CacheHit, type CacheMiss } from './backport-cache.js';
import type { BackportPlan, BackportResult, ProgressSink } from './backport-plan.js';
import { silentSink } from './backport-plan.js';
import { chrootBuilder, type BackportBuilder } from './backport-builder.js';
import { cacheFileError } from './cache-error.js';
import { acquireBuildLock, type BuildLock } from './build-lock.js';
import { BACKPORT_FORMAT } from './cache-key.js';
import { assertNothingMountedUnder } from './chroot-run.js';
import { IMAGE_TEMP_NAME, KEPT_MARKER, leftoverLock, removeStopped, STALE_ENTRY_NAME, sweepHeld, sweepUnlocked, WORK_DIR_NAME, workDirName } from './dead-leftovers.js';
import { buildOutputs, sha256List, type ListedFile } from './collect.js';
import { differingFromPublished, PublishedVersionError, type PublishedLookup, type PublishedVersion } from './published-version.js';

export { PublishedVersionError } from './published-version.js';

export interface RunBackportOptions {
  /** Default: ${XDG_CACHE_HOME:-$HOME/.cache}/half/backports. */
  readonly cacheDir?: string;
  readonly progress?: ProgressSink;
  /** Keep the build root after a failure, for debugging (it is always deleted after success). */
  readonly keepFailedRoot?: boolean;
  /** What the repository the result goes to publishes of this source version, if anything. */
  readonly published?: PublishedLookup;
  /** Default: chrootBuilder (mmdebstrap image, build in a chroot). */
  readonly builder?: BackportBuilder;
}

/** A rebuild of a published version: compared with the pool before it is stored. */
interface PublishedCheck {
  readonly published: PublishedVersion;
  readonly miss: CacheMiss;
}

export async function runBackport(plan: BackportPlan, options: RunBackportOptions = {}): Promise<BackportResult> {
  const cacheDir = options.cacheDir ?? defaultBackportCacheDir();
  try {
    return await cachedOrBuilt(plan, cacheDir, options);
  } catch (error) {
    // a cache that is a file, a full disk: said with the path and the fix, not as a bug
    throw cacheFileError(error, cacheDir) ?? error;
  }
}

async function cachedOrBuilt(plan: BackportPlan, cacheDir: string, options: RunBackportOptions): Promise<BackportResult> {
  const progress = options.progress ?? silentSink;
  // as root, which ran the builds: whatever builds of any key that were stopped left
  if (process.getuid?.() === 0) await sweepStoppedBuilds(cacheDir, progress);
  const cached = await readCachedResult(cacheDir, plan);
  const published = await options.published?.(plan.package, plan.version);
  if ('result' in cached) {
    await assertHitIsPublished(plan, cached, published);
    progress.info(`backport ${plan.package} ${plan.version} for ${plan.targetSuite}: cached in ${cached.result.directory}`);
    return cached.result;
  }
  // Published already, and no cached build of these inputs (a cache deleted or thrown away, or
  // another mirror): the build is reproducible, so it is made again and compared with the pool.
  const check = published === undefined ? undefined : { published, miss: cached };
  if (process.getuid?.() !== 0) {
    throw new ConfigError(`building the ${plan.package} backport for ${plan.targetSuite} needs root (mmdebstrap, mount and chroot), and no cached build exists (${cached.miss})`, {
      hint: 'run it as root (sudo half-repo backport keepalived), or copy a cache entry built elsewhere',
    });
  }
  progress.info(`backport ${plan.package} ${plan.version} for ${plan.targetSuite}: building (${cached.miss})${check === undefined ? '' : '; the version is published: the build must match the pool\'s files'}`);
  await mkdir(cacheDir, { recursive: true });
  const lock = await acquireBuildLock(leftoverLock(cacheDir, plan.cacheKey), (pid) =>
    progress.info(`backport ${plan.package} ${plan.version} for ${plan.targetSuite}: waiting for another build of the same inputs${pid === undefined ? '' : ` (pid ${pid})`}`),
  );
  try {
    const again = await readCachedResult(cacheDir, plan);
    if ('result' in again) {
      await assertHitIsPublished(plan, again, published);
      progress.info(`backport ${plan.package} ${plan.version} for ${plan.targetSuite}: built meanwhile, cached in ${again.result.directory}`);
      return again.result;
    }
    return await buildAndStore(plan, cacheDir, progress, options, lock, check);
  } finally {
    await lock.release();
  }
}

async function buildAndStore(plan: BackportPlan, cacheDir: string, progress: ProgressSink, options: RunBackportOptions, lock: BuildLock, check: PublishedCheck | undefined): Promise<BackportResult> {
  const started = Date.now();
  await mkdir(cacheDir, { recursive: true });

  const work = join(cacheDir, workDirName(plan.cacheKey, process.pid));
  // this key's lock is ours: another work directory of it is a stopped build's
  await sweepHeld(cacheDir, WORK_DIR_NAME, plan.cacheKey, work, removeStopped(progress));
  const logFile = join(cacheDir, `${plan.cacheKey}.log`);
  await rm(logFile, { force: true });
  await rm(work, { recursive: true, force: true });
  let succeeded = false;
  try {
    const buildDir = await (options.builder ?? chrootBuilder).build(plan, { cacheDir, work, logFile }, progress);
    const staging = join(work, 'result');
    await mkdir(staging);
    const manifest = await collect(plan, buildDir, staging);
    const differing = check === undefined ? [] : await differingFromPublished(manifest, check.published);
    await rename(logFile, join(staging, 'build.log'));
    lock.confirm();
    const result = await storeResult(cacheDir, staging, manifest);
    succeeded = true;
    const seconds = Math.round((Date.now() - started) / 1000);
    progress.info(`backport ${plan.package} ${plan.version}: built ${result.binaries.length} package(s) in ${seconds} s into ${result.directory}`);
    if (check !== undefined && differing.length > 0) throw rebuildDiffers(plan, differing, check, result.directory);
    return result;
  } finally {
    if (succeeded || options.keepFailedRoot !== true) await removeWork(work, succeeded, progress);
    else {
      await writeFile(join(work, KEPT_MARKER), 'kept for inspection (keepFailedRoot)\n').catch(() => undefined);
      progress.warn(`backport: the failed build root is kept in ${work} (delete it when done)`);
    }
  }
}

const raiseIteration = (plan: BackportPlan): string => `raise "${plan.package}.iteration" in pkgs/backports.json`;

/** A rebuild of a published version whose files are not the pool's: cached (it is what these
 *  inputs make, so the next run refuses at once) and refused. */
function rebuildDiffers(plan: BackportPlan, differing: readonly string[], check: PublishedCheck, entry: string): PublishedVersionError {
  const again = `this build is kept in ${entry}, so later runs refuse at once: delete it to build again`;
  return new PublishedVersionError(`${plan.package} ${plan.version} is already published for ${plan.targetSuite}, and its rebuild (no cached build: ${check.miss.miss}) differs from the published ${differing.join(', ')}`, {
    hint: 'damaged' in check.miss
      ? `the cached build of these inputs was damaged after it was published, and a rebuild makes other bytes: restore ${entry} from a backup, or ${raiseIteration(plan)} to publish a new version (${again})`
      : `${raiseIteration(plan)} (a changed maintainer, sourceDateEpoch, HALF example file or build image makes other bytes), or build with the cache the published one came from (${again})`,
  });
}

/** Refuses a cached build of a published version whose files are not the pool's: a rebuild that
 *  differed, or a cache of the same inputs other than the one the pool was published from. */
async function assertHitIsPublished(plan: BackportPlan, hit: CacheHit, published: PublishedVersion | undefined): Promise<void> {
  if (published === undefined) return;
  const differing = await differingFromPublished(hit.manifest, published);
  if (differing.length === 0) return;
  throw new PublishedVersionError(`${plan.package} ${plan.version} is already published for ${plan.targetSuite}, and the cached build of these inputs (${hit.result.directory}) differs from the published ${differing.join(', ')}`, {
    hint: `${raiseIteration(plan)}, or build with the cache the published one came from (deleting ${hit.result.directory} builds it again)`,
  });
}

/** Removes the work directories (800 MB each) with their logs, entries moved aside, and
 *  half-made builder images (450 MB) of builds that were stopped, whatever their key: a cache hit or another key's build sweeps them too.
 *  A build's or an image's lock held by a live process, here or in another container sharing the
 *  cache, keeps its leftovers. */
async function sweepStoppedBuilds(cacheDir: string, progress: ProgressSink): Promise<void> {
  // a stopped build's log goes with its work directory (a failed build's, with none, stays)
  await sweepUnlocked(cacheDir, WORK_DIR_NAME, { ...removeStopped(progress), companions: (key) => [join(cacheDir, `${key}.log`)] });
  await sweepUnlocked(cacheDir, STALE_ENTRY_NAME, removeStopped(progress));
  await sweepUnlocked(join(cacheDir, 'images'), IMAGE_TEMP_NAME, removeStopped(progress));
}

/** Deletes the work directory; after a failure a cleanup problem is reported, not thrown, so
 *  that the build's own error is the one the caller sees. */
async function removeWork(work: string, succeeded: boolean, progress: ProgressSink): Promise<void> {
  try {
    assertNothingMountedUnder(work);
    await rm(work, { recursive: true, force: true });
  } catch (error) {
    if (succeeded) throw error;
    progress.warn(`backport: could not delete ${work}: ${(error as Error).message}`);
  }
}

/** Moves what the build made into `staging`, checking every file against the .changes/.dsc. */
async function collect(plan: BackportPlan, buildDir: string, staging: string): Promise<BackportManifest> {
  const base = `${plan.package}_${versionWithoutEpoch(plan.version)}`;
  const changesName = `${base}_${plan.architecture}.changes`;
  const dscName = `${base}.dsc`;
  const outputs = buildOutputs(await readFile(join(buildDir, changesName), 'utf8'), changesName);
  const dsc = sha256List(await readFile(join(buildDir, dscName), 'utf8'), dscName);
  if (outputs.version !== plan.version || dsc.version !== plan.version) {
    throw new PackageFormatError(`the build made version ${outputs.version} (.changes) / ${dsc.version} (.dsc), not the planned ${plan.version}`, {
      hint: 'the changelog edit did not take effect: see the build log',
    });
  }
  if (outputs.binaries.length === 0) {
    throw new PackageFormatError(`${changesName} lists no .deb`, { hint: 'see the build log' });
  }
  const sha256: Record<string, string> = {};
  const take = async (file: ListedFile | { name: string; sha256: undefined }): Promise<string> => {
    const have = await sha256File(join(buildDir, file.name));
    if (file.sha256 !== undefined && have !== file.sha256) {
      throw new PackageFormatError(`${file.name} does not match the SHA-256 its build listed`, { hint: 'see the build log' });
    }
    await rename(join(buildDir, file.name), join(staging, file.name));
    sha256[file.name] = have;
    return file.name;
  };
  const binaries: string[] = [];
  for (const file of outputs.binaries) binaries.push(await take(file));
  const sourceFiles: string[] = [];
  for (const file of dsc.files) sourceFiles.push(await take(file));
  const buildinfo = outputs.buildinfo === undefined ? null : await take(outputs.buildinfo);
  const changes = await take({ name: changesName, sha256: undefined });
  const dscFile = await take({ name: dscName, sha256: undefined });
  return {
    format: BACKPORT_FORMAT,
    cacheKey: plan.cacheKey,
    package: plan.package,
    targetSuite: plan.targetSuite,
    version: plan.version,
    binaries,
    dsc: dscFile,
    sourceFiles,
    buildinfo,
    changes,
    sha256,
  };
}
