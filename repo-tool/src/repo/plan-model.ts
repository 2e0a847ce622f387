// The repository as a plan: every path, its bytes or source, and its digests. Computed by pure
// code (plan.ts); only the publisher (repo-tool/src/publish/) writes it (STYLE.md: plan, then apply).
import type { Digests } from '../format/digests.js';
import type { PoolEntry } from '../model/artifact.js';
import type { RepoConfig } from './config.js';
import type { IndexDigests } from './release.js';
import type { SourceEntry } from './source-entry.js';

/** A file to add to the pool, with its bytes. */
export interface NewPoolFile {
  /** Relative to the repository root: `pool/<component>/<prefix>/<source>/<file>`. */
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly digests: Digests;
}

/** A pool file the published indexes reference, or one this publish adds. */
export interface PlannedPoolFile {
  readonly path: string;
  readonly digests: Digests;
  /** Present when this publish adds the file; absent when it must already be in the pool. */
  readonly bytes?: Uint8Array;
}

/** An index file under dists/<codename>/ and the by-hash copies that go with it. */
export interface PlannedIndexFile {
  /** Relative to the repository root, e.g. `dists/trixie/half/binary-amd64/Packages.xz`. */
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly digests: IndexDigests;
  /** `…/by-hash/MD5Sum/<md5>`, `…/by-hash/SHA256/<sha256>`, `…/by-hash/SHA512/<sha512>`. */
  readonly byHash: readonly string[];
}

export interface PlannedSuite {
  readonly codename: string;
  readonly suite: string;
  /** `dists/<codename>`. */
  readonly dir: string;
  readonly indexes: readonly PlannedIndexFile[];
  /** The unsigned Release text; the publisher signs it into InRelease and Release.gpg. */
  readonly release: string;
}

export interface PlannedSymlink {
  /** e.g. `dists/stable`. */
  readonly path: string;
  /** Relative target, e.g. `trixie`. */
  readonly target: string;
}

export interface RepoPlan {
  readonly config: RepoConfig;
  /** Release Date; the publisher signs with this date too, so the same plan gives the same bytes. */
  readonly date: Date;
  /** Every pool file some index lists, plus every file this publish adds. */
  readonly pool: readonly PlannedPoolFile[];
  readonly suites: readonly PlannedSuite[];
  readonly symlinks: readonly PlannedSymlink[];
  /** The pool database after this publish (listed entries and those kept for the grace period). */
  readonly binaries: readonly PoolEntry[];
  readonly sources: readonly SourceEntry[];
  /** Pool paths no index lists any more (candidates for collection after the grace period). */
  readonly unreferenced: readonly string[];
}
