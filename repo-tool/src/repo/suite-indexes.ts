// The index texts of one suite and component (DebianRepository/Format): binary-<arch>/Packages
// for each configured architecture (arch-all packages in every one, and alone in binary-all
// when `all` is configured, as Debian does), source/Sources, Contents-<arch>, and the small
// per-directory Release files. Pure.
import type { PoolEntry } from '../model/artifact.js';
import type { RepoConfig, SuiteConfig } from './config.js';
import { formatContents } from './contents.js';
import { formatDirectoryRelease } from './release.js';
import type { SourceEntry } from './source-entry.js';
import { formatSources } from './sources.js';

export type Variant = '' | '.gz' | '.xz';

export interface IndexText {
  /** Relative to dists/<codename>/, without compression suffix, e.g. `half/binary-amd64/Packages`. */
  readonly path: string;
  readonly text: string;
  /** Files to write: the plain file and/or compressed ones. */
  readonly variants: readonly Variant[];
}

export interface ComponentIndexInput {
  readonly architectures: readonly string[];
  readonly component: string;
  /** The binaries listed (retention applied), already in index order. */
  readonly binaries: readonly PoolEntry[];
  readonly sources: readonly SourceEntry[];
  /** A Packages stanza with its trailing blank line (memoized by the planner). */
  readonly stanza: (entry: PoolEntry) => string;
  readonly architectureOf: (entry: PoolEntry) => string;
}

const ALL_FORMS: readonly Variant[] = ['', '.gz', '.xz'];

/** Packages, Contents and Sources of a component: the same for every suite that lists the same packages. */
export function componentIndexTexts(input: ComponentIndexInput): IndexText[] {
  const { component } = input;
  const texts: IndexText[] = [];
  for (const arch of input.architectures) {
    const entries = input.binaries.filter((e) => {
      const a = input.architectureOf(e);
      return a === arch || (arch !== 'all' && a === 'all');
    });
    texts.push({ path: `${component}/binary-${arch}/Packages`, text: entries.map(input.stanza).join(''), variants: ALL_FORMS });
    // Only the .gz is written (as Debian does); Release lists the uncompressed digests too.
    texts.push({ path: `${component}/Contents-${arch}`, text: formatContents(entries), variants: ['.gz'] });
  }
  texts.push({ path: `${component}/source/Sources`, text: formatSources(input.sources), variants: ALL_FORMS });
  return texts;
}

/** binary-<arch>/Release and source/Release of a suite's component. */
export function directoryReleaseTexts(config: RepoConfig, suite: SuiteConfig, component: string): IndexText[] {
  return [...config.architectures, 'source'].map((architecture) => ({
    path: architecture === 'source' ? `${component}/source/Release` : `${component}/binary-${architecture}/Release`,
    text: formatDirectoryRelease({
      suite: suite.suite,
      origin: config.origin,
      label: config.label,
      ...(suite.version !== undefined ? { version: suite.version } : {}),
      acquireByHash: true,
      component,
      architecture,
    }),
    variants: [''],
  }));
}
