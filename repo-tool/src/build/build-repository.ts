// `half-repo build`: every package of pkgs/ built and signed, then published into the static
// apt repository at OUT (with the packages OUT already holds: imports, backports, older
// versions). Reads the clock and environment only through its options.
import { DefinitionError, UsageError } from '../model/errors.js';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Progress } from '../cli/progress.js';
import { buildDeb } from '../deb/build-deb.js';
import { loadDefinitions } from '../definitions/load.js';
import type { Compression } from '../format/compression.js';
import type { DebArtifact } from '../model/artifact.js';
import type { DefinitionContext, PackageDefinition } from '../model/definition.js';
import { systemClock } from '../publish/clock.js';
import { LocalStorage, makeDirs } from '../publish/local-storage.js';
import { ensureHostTools, XZ } from '../backport/host-tools.js';
import { updateRepository } from '../publish/update.js';
import type { UpdateResult } from '../publish/update.js';
import { DiskChunkCache, defaultChunkCacheDir } from '../repo/chunk-cache.js';
import { loadRepoConfig } from '../repo/config-load.js';
import { isRepoUrl, type RepoConfig } from '../repo/config.js';
import { ChunkedIndexCompressor } from '../repo/index-compressor.js';
import { importPackages } from '../repo/import.js';
import { mergeIntoRepository, placeDeb } from '../repo/pool-additions.js';
import type { MergedContents, PlacedDeb, RepoContents } from '../repo/pool-additions.js';
import { loadBackportSpecs, publishedSource, runBackports } from './backports.js';
import type { BackportOutcome } from './backports.js';
import { writePublicKeyring } from '../sign/public-keyring.js';
import type { OpenPgpSigner } from '../sign/openpgp-signer.js';
import { debInspector } from './deb-inspector.js';
import { resolveSigner } from './signing.js';
import { resolveSourceDateEpoch } from './source-date.js';
import { sourcesLines } from './sources-lines.js';
import type { SourcesLines } from './sources-lines.js';

export interface BuildOptions {
  /** The checkout (where package.json and pkgs/ are). */
  readonly root: string;
  readonly out: string;
  readonly keyFiles: readonly string[];
  /** Overrides half-repo.json's `url`. */
  readonly url?: string;
  readonly compression?: Compression;
  /** Build (or take from the cache) and publish the backports of pkgs/backports.json; default true. */
  readonly backports?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: Date;
  readonly progress: Progress;
}

export interface BuildResult {
  readonly built: readonly DebArtifact[];
  readonly backports: readonly BackportOutcome[];
  readonly update: UpdateResult;
  readonly development: boolean;
  readonly fingerprints: readonly string[];
  readonly keyring: { readonly gpg: string; readonly asc: string };
  readonly sources: SourcesLines;
}

async function projectVersion(root: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

/**
 * debian/changelog's newest entry (its first line, `half (VERSION) …`) must be for the project's
 * version: HALF's packages take package.json's version and ship that changelog, which would
 * otherwise carry the old release's notes (apt-listchanges would show nothing new).
 */
export function checkChangelogVersion(changelog: string, version: string): void {
  const first = /^(\S+) \(([^()\s]+)\)/.exec(changelog);
  if (first === null) {
    throw new DefinitionError('debian/changelog: the first line is not `half (VERSION) DISTRIBUTION; urgency=…`', { hint: 'see deb-changelog(5): the newest entry comes first' });
  }
  if (first[2] !== version) {
    throw new DefinitionError(`debian/changelog: its newest entry is for ${first[1]} ${first[2]}, but package.json's version is ${version}`, {
      hint: `add an entry for ${version} at the top of debian/changelog (dch -v ${version}), or set package.json's version back; nothing was built`,
    });
  }
}

function definitionContext(root: string, version: string, epoch: number, config: RepoConfig, signer: OpenPgpSigner): DefinitionContext {
  const keyring = signer.publicKeyring();
  return {
    root,
    projectVersion: version,
    sourceDateEpoch: epoch,
    keyring: {
      binary: keyring.binary,
      armored: keyring.armored,
      fingerprints: signer.fingerprints,
      signingFingerprints: signer.keys.map((k) => k.signingFingerprint),
      publicKeys: signer.publicKeys(),
    },
    ...(config.url !== null ? { url: config.url } : {}),
    suites: config.suites.map((s) => ({ codename: s.codename, suite: s.suite })),
    component: config.components[0] as string,
  };
}

function placement(def: PackageDefinition, config: RepoConfig): { component: string; suites: string[] } {
  return { component: def.component ?? (config.components[0] as string), suites: [...(def.suites ?? config.suites.map((s) => s.codename))] };
}

export async function buildRepository(options: BuildOptions): Promise<BuildResult> {
  const root = resolve(options.root);
  const out = resolve(options.out);
  const loaded = await loadRepoConfig(root);
  if (options.url !== undefined && !isRepoUrl(options.url)) {
    throw new UsageError(`--url "${options.url}" is not an http://, https:// or file:// URL without spaces`, { hint: 'the keyring package writes it into /etc/apt/sources.list.d/half.sources on every firewall: give the address clients fetch the repository from, e.g. https://apt.example.org/half' });
  }
  const config: RepoConfig = options.url === undefined ? loaded : { ...loaded, url: options.url.endsWith('/') ? options.url : `${options.url}/` };
  // A bad pkgs/backports.json is refused before anything is built or signed.
  const backportSpecs = options.backports === false ? [] : await loadBackportSpecs(root);
  const version = await projectVersion(root);
  checkChangelogVersion(await readFile(join(root, 'debian', 'changelog'), 'utf8'), version);
  const epoch = await resolveSourceDateEpoch(root, options.env);
  await ensureHostTools([XZ], options.progress);
  const { signer, development } = await resolveSigner({ root, env: options.env, keyFiles: options.keyFiles, now: options.now, progress: options.progress });
  const ctx = definitionContext(root, version, epoch, config, signer);
  const definitions = await loadDefinitions(join(root, 'pkgs'), ctx);

  // An origin signature may not predate its key: sign at the later of the two (still fixed per key).
  const signDate = new Date(Math.max(epoch * 1000, signer.newestKeyCreation().getTime()));
  options.progress.start('building packages', definitions.length);
  const placed: PlacedDeb[] = [];
  const built = await Promise.all(
    definitions.map(async ({ definition }) => {
      const deb = await buildDeb(definition, { root, mtime: epoch, compression: options.compression ?? 'xz', signer, signDate });
      placed.push(placeDeb(deb, placement(definition, config)));
      options.progress.tick(deb.fileName);
      return deb;
    }),
  );
  options.progress.done(`${built.length} packages`);

  const backports = options.backports === false ? [] : await runBackports(backportSpecs, { progress: options.progress, published: publishedSource(new LocalStorage(out)) });
  for (const b of backports) {
    options.progress.info(b.kind === 'published' ? `${b.package} ${b.version} for ${b.suite}${b.cached ? ' (cached)' : ''}` : `${b.package} for ${b.suite}: Debian's own (${b.reason})`);
  }
  const add = async (known: RepoContents): Promise<MergedContents> => {
    let merged = mergeIntoRepository(known, placed);
    for (const b of backports) {
      if (b.kind !== 'published') continue;
      const placement = { component: config.components[0] as string, suites: [b.suite] };
      const imported = await importPackages(b.files, merged, { config, inspect: debInspector, placement });
      merged = { binaries: imported.binaries, sources: imported.sources, additions: [...merged.additions, ...imported.additions] };
    }
    return merged;
  };

  await makeDirs(out);
  options.progress.info(`publishing ${out}`);
  const update = await updateRepository({
    storage: new LocalStorage(out),
    config,
    date: options.now,
    signer,
    clock: systemClock,
    inspect: debInspector,
    compressor: new ChunkedIndexCompressor(new DiskChunkCache(defaultChunkCacheDir(options.env, homedir()))),
    add,
  });
  const keyring = await writePublicKeyring(out, 'half-archive-keyring', signer.publicKeyring());
  return {
    built,
    backports,
    update,
    development,
    fingerprints: signer.fingerprints,
    keyring,
    sources: sourcesLines(config, config.url ?? `file://${out}/`),
  };
}
