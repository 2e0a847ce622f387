// The Debian releases HALF backports keepalived to, and where each one's newer source comes from.
// Backport versions follow Debian's backports convention (the Debian Backports contribution rules:
// `<source version>~bpo<release>+<n>`), with our own iteration prefix `half` so that an official
// backport of the same source (`~bpo12+1`) and ours can never carry the same version. `~` sorts
// before everything (deb-version(7)), so the result sorts below the source version it came from.

export type TargetSuite = 'bookworm' | 'trixie';

export interface TargetRelease {
  /** Debian's release number, used in `~bpoNN`. */
  readonly release: number;
  /** Suites searched for a newer source, in order of preference when versions tie. */
  readonly sourceSuites: readonly string[];
}

/** bookworm takes Debian 13's source; trixie takes the newest of testing (forky) and unstable (sid). */
export const TARGET_RELEASES: Readonly<Record<TargetSuite, TargetRelease>> = {
  bookworm: { release: 12, sourceSuites: ['trixie'] },
  trixie: { release: 13, sourceSuites: ['forky', 'sid'] },
};

export function isTargetSuite(value: string): value is TargetSuite {
  return Object.hasOwn(TARGET_RELEASES, value);
}

/** `~bpo12+half1` for bookworm, iteration 1. */
export function backportSuffix(target: TargetSuite, iteration: number): string {
  if (!Number.isInteger(iteration) || iteration < 1) throw new RangeError(`backport iteration must be a positive integer, not ${iteration}`);
  return `~bpo${TARGET_RELEASES[target].release}+half${iteration}`;
}

/** `1:2.3.3-1` → `1:2.3.3-1~bpo12+half1`. A native version (no revision) gets the suffix on its
 *  upstream part, as Debian's backports do (`1.2~bpo12+1`). */
export function backportVersion(sourceVersion: string, target: TargetSuite, iteration: number): string {
  return `${sourceVersion}${backportSuffix(target, iteration)}`;
}
