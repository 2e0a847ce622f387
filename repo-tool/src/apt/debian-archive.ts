// Picks, among apt sources, the one that serves the main Debian archive: an enabled `deb` entry
// with component `main` whose suites include a Debian release (a codename such as `bookworm`, an
// alias such as `stable`, or their `-updates`/`-backports` suites). The security archive is a
// different archive (`bookworm-security`, formerly `buster/updates`) and is never chosen.
// Pure: entries in, choice out. Release names as in the archive's Release files (`Codename:`).
import { ConfigError } from '../model/errors.js';
import type { AptSource } from './apt-source.js';

/** Debian release codenames, oldest first, and the suite aliases that point to them. */
export const DEBIAN_CODENAMES: readonly string[] = [
  'buzz', 'rex', 'bo', 'hamm', 'slink', 'potato', 'woody', 'sarge', 'etch', 'lenny', 'squeeze',
  'wheezy', 'jessie', 'stretch', 'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid',
];
export const DEBIAN_SUITE_ALIASES: readonly string[] = ['oldoldstable', 'oldstable', 'stable', 'testing', 'unstable'];

const RELEASES: ReadonlySet<string> = new Set([...DEBIAN_CODENAMES, ...DEBIAN_SUITE_ALIASES]);

export function isSecuritySuite(suite: string): boolean {
  return suite.endsWith('-security') || suite.endsWith('/updates');
}

/** `bookworm`, `stable-updates`, `trixie-backports` are; `bookworm-security`, `focal`, `./` are not. */
export function isDebianReleaseSuite(suite: string): boolean {
  if (isSecuritySuite(suite)) return false;
  return RELEASES.has(suite.split('-')[0] ?? '');
}

export interface DebianArchive {
  /** The archive's URI as written in the apt configuration, without a trailing "/". */
  readonly uri: string;
  /** The entry it came from (suites, components, Signed-By, origin). */
  readonly source: AptSource;
}

/** The Debian archive among `sources`, or undefined. Plain codenames win over `-updates`
 *  entries, http(s) URIs over other schemes; otherwise the first in reading order. */
export function findDebianArchive(sources: readonly AptSource[]): DebianArchive | undefined {
  let best: { archive: DebianArchive; score: number } | undefined;
  for (const source of sources) {
    if (!source.enabled || !source.types.includes('deb') || !source.components.includes('main')) continue;
    const releases = source.suites.filter(isDebianReleaseSuite);
    if (releases.length === 0) continue;
    for (const uri of source.uris) {
      const score = (releases.some((suite) => !suite.includes('-')) ? 2 : 0) + (/^https?:/.test(uri) ? 1 : 0);
      if (best === undefined || score > best.score) best = { archive: { uri: uri.replace(/\/+$/, ''), source }, score };
    }
  }
  return best?.archive;
}

/** Like findDebianArchive, but throws a ConfigError naming the files read and the way out. */
export function requireDebianArchive(sources: readonly AptSource[], filesRead: readonly string[]): DebianArchive {
  const archive = findDebianArchive(sources);
  if (archive !== undefined) return archive;
  const read = filesRead.length === 0 ? 'no apt sources file was found' : `read ${filesRead.join(', ')}`;
  throw new ConfigError(`no Debian archive (an enabled "deb" source with a Debian codename suite and component main) in the apt configuration (${read})`, {
    hint: 'add the Debian mirror to the apt sources (e.g. "deb URL bookworm main"), or name it with the --mirror URL option',
  });
}
