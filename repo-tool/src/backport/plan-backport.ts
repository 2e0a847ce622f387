// Plans a backport: reads the newer Debian source through a private apt on the machine's own
// mirror, chooses the version (version-choice.ts), writes the changelog entry and computes the
// cache key. Needs the network (apt-get update), never root; writes only under the cache dir.
//
//   const plan = await planBackport({ package: 'keepalived', targetSuite: 'bookworm', sourceDateEpoch });
//   if (plan.kind === 'backport') result = await runBackport(plan, { progress });
import { join } from 'node:path';
import { debianArchive } from '../apt/machine-sources.js';
import { ConfigError, ToolError } from '../model/errors.js';
import { defaultBackportCacheDir } from './backport-cache.js';
import type { BackportDecision, ProgressSink } from './backport-plan.js';
import { silentSink } from './backport-plan.js';
import { backportCacheKey, builderImageKey, type BuilderImageSpec } from './cache-key.js';
import { formatChangelogEntry } from './changelog-entry.js';
import { EXAMPLES_DIR, HALF_EXAMPLE_FILES, type ExampleFile } from './half-examples.js';
import { openPrivateApt, sourceInSuite, updatePrivateApt } from './private-apt.js';
import type { MirrorSource } from './private-apt-config.js';
import { runStep, SYSTEM_PATH, tryStep } from './run-step.js';
import { TARGET_RELEASES, isTargetSuite, type TargetSuite } from './suites.js';
import { chooseBackport } from './version-choice.js';

export interface BackportRequest {
  /** The Debian source package, e.g. `keepalived`. */
  readonly package: string;
  readonly targetSuite: TargetSuite;
  /** Default: the machine's Debian archive and its Signed-By. A bare URI gets the machine's
   *  Signed-By when it is the machine's archive, else apt's trusted keys. */
  readonly mirror?: MirrorSource | string;
  /** The changelog entry's date (SOURCE_DATE_EPOCH, seconds). Part of the cache key. */
  readonly sourceDateEpoch: number;
  /** Who signs off the changelog entry: `Name <address>`. */
  readonly maintainer?: string;
  /** The `halfN` iteration; default 1. */
  readonly iteration?: number;
  /** Default: TARGET_RELEASES[targetSuite].sourceSuites. */
  readonly sourceSuites?: readonly string[];
  /** Default: `dpkg --print-architecture`. */
  readonly architecture?: string;
  /** Default: ${XDG_CACHE_HOME:-$HOME/.cache}/half/backports. */
  readonly cacheDir?: string;
  readonly examples?: readonly ExampleFile[];
  readonly progress?: ProgressSink;
}

export const DEFAULT_BACKPORTER = 'HALF Backports <half-backports@localhost>';
/** No debug symbol packages: the repository publishes what firewalls install. */
export const BUILD_OPTIONS = 'noddebs';

export async function planBackport(request: BackportRequest): Promise<BackportDecision> {
  const progress = request.progress ?? silentSink;
  if (!isTargetSuite(request.targetSuite)) {
    throw new ConfigError(`cannot backport to "${String(request.targetSuite)}"`, { hint: `choose one of ${Object.keys(TARGET_RELEASES).join(', ')}` });
  }
  const target = request.targetSuite;
  const sourceSuites = request.sourceSuites ?? TARGET_RELEASES[target].sourceSuites;
  const mirror = await resolveMirror(request.mirror);
  const architecture = request.architecture ?? (await runStep('dpkg', ['--print-architecture'], { step: 'architecture' })).stdout.trim();
  const cacheDir = request.cacheDir ?? defaultBackportCacheDir();

  const aptSuites = [target, ...sourceSuites.filter((s) => s !== target)];
  progress.info(`backport ${request.package} for ${target}: reading Debian sources ${aptSuites.join(', ')} from ${mirror.uri}`);
  const apt = await openPrivateApt(join(cacheDir, 'apt'), mirror, aptSuites);
  await updatePrivateApt(apt);
  const targetListing = await sourceInSuite(apt, request.package, target);
  const candidates = [];
  for (const suite of sourceSuites) candidates.push({ suite, listing: await sourceInSuite(apt, request.package, suite) });

  const choice = chooseBackport({
    package: request.package,
    targetSuite: target,
    targetVersion: targetListing?.version,
    candidates,
    iteration: request.iteration ?? 1,
  });
  if (choice.kind === 'not-needed') return choice;
  await confirmOrderWithDpkg(choice.version, choice.source.version, choice.targetVersion);

  const examples = request.examples ?? HALF_EXAMPLE_FILES;
  const release = TARGET_RELEASES[target].release;
  const changelogEntry = formatChangelogEntry({
    package: request.package,
    version: choice.version,
    distribution: target,
    urgency: 'medium',
    changes: [
      // "Local package" first: an upload by other hands than the Maintainer's, and no NMU
      // (lintian's nmu check takes these words so, and asks no NMU version then)
      `Local package: rebuild of Debian's ${choice.source.version} from ${choice.source.suite} for Debian ${release} (${target}), for HALF (High Availability Linux Firewall).`,
      `Add HALF examples to ${EXAMPLES_DIR}: ${examples.map((e) => e.name).join(', ')} (keepalived.conf of a HALF node: ` +
        'a vrrp_sync_group of the LAN and WAN instances, vrrp_notify_fifo to half-syncd).',
    ],
    maintainer: request.maintainer ?? DEFAULT_BACKPORTER,
    date: request.sourceDateEpoch,
  });
  const image: BuilderImageSpec = { suite: target, variant: 'buildd', mirror: mirror.uri, architecture, packages: mirror.uri.startsWith('https:') ? ['ca-certificates'] : [] };
  const imageKey = builderImageKey(image);
  const cacheKey = backportCacheKey({
    package: request.package,
    sourceSuite: choice.source.suite,
    sourceVersion: choice.source.version,
    sourceFiles: choice.source.files,
    targetSuite: target,
    version: choice.version,
    changelogEntry,
    examples,
    imageKey,
    buildOptions: BUILD_OPTIONS,
    architecture,
  });
  progress.info(`backport ${request.package} for ${target}: ${choice.source.version} (${choice.source.suite}) → ${choice.version}, above ${target}'s ${choice.targetVersion ?? '(none)'}`);
  return {
    kind: 'backport',
    package: request.package,
    binaryPackage: request.package,
    targetSuite: target,
    architecture,
    mirror,
    aptSuites,
    source: choice.source,
    targetVersion: choice.targetVersion,
    version: choice.version,
    changelogEntry,
    examples,
    image,
    imageKey,
    buildOptions: BUILD_OPTIONS,
    cacheKey,
  };
}

async function resolveMirror(mirror: MirrorSource | string | undefined): Promise<MirrorSource> {
  if (mirror !== undefined && typeof mirror !== 'string') return mirror;
  const machine = await debianArchive().catch((error: unknown) => {
    if (mirror === undefined) throw error;
    return undefined;
  });
  if (mirror === undefined) return { uri: machine?.uri ?? '', signedBy: machine?.source.signedBy };
  const same = machine !== undefined && machine.uri === mirror.replace(/\/+$/, '');
  return { uri: mirror.replace(/\/+$/, ''), signedBy: same ? machine.source.signedBy : undefined };
}

/** dpkg is the authority on version order: it must agree that source > backport > target. */
async function confirmOrderWithDpkg(version: string, sourceVersion: string, targetVersion: string | undefined): Promise<void> {
  const checks: [string, string, string][] = [[version, 'lt', sourceVersion]];
  if (targetVersion !== undefined) checks.push([version, 'gt', targetVersion]);
  for (const [a, op, b] of checks) {
    const result = await tryStep('dpkg', ['--compare-versions', a, op, b], { step: 'check version order', env: { PATH: SYSTEM_PATH } });
    if (result.exitCode !== 0) {
      throw new ToolError(`dpkg does not agree that ${a} ${op} ${b} (exit ${result.exitCode}${result.stderr.trim() === '' ? '' : `: ${result.stderr.trim()}`})`, {
        hint: 'the backport version would not sort between the two releases; report this as a bug',
      });
    }
  }
}
