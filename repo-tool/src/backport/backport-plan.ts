// The data that crosses from planning a backport to running it (plan, then apply: changesets'
// assemble-release-plan / apply-release-plan). A plan names every input of the build: the exact
// source files (by SHA-256 from the signed Sources index), the version, the changelog entry, the
// HALF files, the builder image; its cacheKey is a hash of all of them (cache-key.ts).
import type { BuilderImageSpec } from './cache-key.js';
import type { ExampleFile } from './half-examples.js';
import type { MirrorSource } from './private-apt-config.js';
import type { SourceListing } from './source-listing.js';
import type { TargetSuite } from './suites.js';
import type { NotNeeded } from './version-choice.js';

export type { NotNeeded } from './version-choice.js';
export type { TargetSuite } from './suites.js';

export interface BackportPlan {
  readonly kind: 'backport';
  readonly package: string;
  /** The binary package that gets the HALF examples (keepalived: the same name). */
  readonly binaryPackage: string;
  readonly targetSuite: TargetSuite;
  readonly architecture: string;
  readonly mirror: MirrorSource;
  /** The suites the private apt reads (target first, then the source suites). */
  readonly aptSuites: readonly string[];
  /** The Debian source to rebuild: suite, version, the .dsc and its files. */
  readonly source: SourceListing;
  /** The target suite's own version, or undefined when it has none. */
  readonly targetVersion: string | undefined;
  /** The backport's version, e.g. `1:2.3.3-1~bpo12+half1`. */
  readonly version: string;
  /** The debian/changelog entry, as formatChangelogEntry wrote it. */
  readonly changelogEntry: string;
  readonly examples: readonly ExampleFile[];
  readonly image: BuilderImageSpec;
  readonly imageKey: string;
  /** DEB_BUILD_OPTIONS that shape the output (parallelism is added at run time). */
  readonly buildOptions: string;
  /** Directory name of the result under the backports cache. */
  readonly cacheKey: string;
}

export type BackportDecision = BackportPlan | NotNeeded;

export interface BackportResult {
  readonly package: string;
  readonly targetSuite: TargetSuite;
  readonly version: string;
  /** Absolute paths of the built .deb files. */
  readonly binaries: readonly string[];
  readonly source: {
    /** Absolute path of the rebuilt source package's .dsc. */
    readonly dsc: string;
    /** Absolute paths of the files the .dsc lists (.orig.tar.*, .debian.tar.xz). */
    readonly files: readonly string[];
  };
  /** The .buildinfo and .changes of the build (kept for the record; not published). */
  readonly buildinfo: string | undefined;
  readonly changes: string | undefined;
  /** The cache entry holding everything, including build.log. */
  readonly directory: string;
  /** True when the result came from the cache without building. */
  readonly cached: boolean;
}

/** Where long steps report; the CLI's Progress satisfies it. */
export interface ProgressSink {
  info(line: string): void;
  warn(line: string): void;
}

export const silentSink: ProgressSink = { info() {}, warn() {} };
