// Which source to backport, and under which version: the newest version among the source suites
// (ties go to the suite listed first: testing before unstable), if it is newer than the target
// suite's own; its backport version must sort strictly between the two (deb-version(7), dpkg's
// ordering). Pure: listings in, decision out (planBackport gathers the listings with apt).
import { compareVersions } from '../deb/version.js';
import { ConfigError } from '../model/errors.js';
import type { SourceListing } from './source-listing.js';
import { backportVersion, type TargetSuite } from './suites.js';

export interface SuiteListing {
  readonly suite: string;
  /** undefined: the suite has no such source package. */
  readonly listing: SourceListing | undefined;
}

export interface ChoiceInput {
  readonly package: string;
  readonly targetSuite: TargetSuite;
  /** The target suite's own version of the source, or undefined when it has none. */
  readonly targetVersion: string | undefined;
  /** Candidate suites in order of preference. */
  readonly candidates: readonly SuiteListing[];
  /** The `halfN` iteration; 1 for the first backport of a source version. */
  readonly iteration: number;
}

export interface BackportChoice {
  readonly kind: 'backport';
  readonly source: SourceListing;
  readonly targetVersion: string | undefined;
  readonly version: string;
}

export interface NotNeeded {
  readonly kind: 'not-needed';
  readonly package: string;
  readonly targetSuite: TargetSuite;
  readonly targetVersion: string | undefined;
  /** The newest version found in the source suites, if any. */
  readonly newestVersion: string | undefined;
  /** Where the HALF keepalived examples ship instead of a backported keepalived. */
  readonly halfExamplesIn: 'half-syncd';
  readonly reason: string;
}

export type VersionChoice = BackportChoice | NotNeeded;

export function chooseBackport(input: ChoiceInput): VersionChoice {
  const suites = input.candidates.map((c) => c.suite).join(', ');
  let newest: SourceListing | undefined;
  for (const { listing } of input.candidates) {
    if (listing !== undefined && (newest === undefined || compareVersions(listing.version, newest.version) > 0)) newest = listing;
  }
  const notNeeded = (reason: string): NotNeeded => ({
    kind: 'not-needed',
    package: input.package,
    targetSuite: input.targetSuite,
    targetVersion: input.targetVersion,
    newestVersion: newest?.version,
    halfExamplesIn: 'half-syncd',
    reason,
  });
  const own = `${input.targetSuite}'s ${input.package}`;
  if (newest === undefined) {
    return notNeeded(`no source package ${input.package} in ${suites}; ${own}${input.targetVersion === undefined ? ' is missing too' : ` ${input.targetVersion} serves`}`);
  }
  if (input.targetVersion !== undefined && compareVersions(newest.version, input.targetVersion) <= 0) {
    return notNeeded(`${own} ${input.targetVersion} is at least as new as the newest in ${suites} (${newest.version} in ${newest.suite}); it serves, and the HALF examples ship in half-syncd`);
  }
  const version = backportVersion(newest.version, input.targetSuite, input.iteration);
  if (compareVersions(version, newest.version) >= 0) {
    throw new ConfigError(`backport version ${version} does not sort below its source ${newest.version}`, { hint: 'this is a bug in the backport suffix' });
  }
  if (input.targetVersion !== undefined && compareVersions(version, input.targetVersion) <= 0) {
    throw new ConfigError(`backport version ${version} of ${input.package} does not sort above ${own} ${input.targetVersion}, so apt would never upgrade to it`, {
      hint: `wait for a newer ${input.package} in ${suites}, or use ${input.targetSuite}'s own package`,
    });
  }
  return { kind: 'backport', source: newest, targetVersion: input.targetVersion, version };
}
