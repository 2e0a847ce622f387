// What crosses from the .deb builder (deb/) and the importer to the repository (repo/).
import type { Digests } from '../format/digests.js';
import type { Paragraph } from './paragraph.js';

/** A binary package as bytes plus what the indexes need from it. */
export interface DebArtifact {
  /** `name_version-without-epoch_arch.deb`. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  /** DEBIAN/control, in the order written. */
  readonly control: Paragraph;
  /** Installed regular files and symlinks, without leading `./` or `/` (for Contents-<arch>). */
  readonly paths: readonly string[];
}

/** A package file placed in the pool, as the index generator sees it. */
export interface PoolEntry {
  /** Path relative to the repository root, e.g. `pool/half/h/half/half_0.1.0_all.deb`. */
  readonly poolPath: string;
  readonly digests: Digests;
  readonly control: Paragraph;
  readonly paths: readonly string[];
  /** Suites (codenames) and component it is published in. */
  readonly suites: readonly string[];
  readonly component: string;
}
