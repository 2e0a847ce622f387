// The apt sources an admin adds to use the repository: the seed's one-line form
// (`deb URL CODENAME half`) with Signed-By, and the deb822 form (sources.list(5)). By codename,
// not by the `stable` alias: an alias moves to Debian's next release when it comes out, and
// would carry a node's HALF packages across releases in an ordinary `apt-get upgrade`.
// half-archive-keyring's own half.sources names the codename too, and follows a dist-upgrade.
// Pure.
import type { RepoConfig } from '../repo/config.js';

export const KEYRING_INSTALL_PATH = '/usr/share/keyrings/half-archive-keyring.gpg';

export interface SourcesLines {
  /** One `deb` line per served release, newest first, each after a `# Debian N (codename)` comment. */
  readonly oneLine: string;
  /** The deb822 stanza for the newest release. */
  readonly deb822: string;
  /** The codenames served, newest first. */
  readonly codenames: readonly string[];
}

export function sourcesLines(config: RepoConfig, url: string): SourcesLines {
  const component = config.components.join(' ');
  const suites = [...config.suites].reverse();
  const newest = suites[0]?.codename ?? 'stable';
  const release = (s: RepoConfig['suites'][number]): string => `# Debian${s.version === undefined ? '' : ` ${s.version}`} (${s.codename})`;
  return {
    oneLine: suites.map((s) => `${release(s)}\ndeb [signed-by=${KEYRING_INSTALL_PATH}] ${url} ${s.codename} ${component}`).join('\n'),
    deb822: ['Types: deb', `URIs: ${url}`, `Suites: ${newest}`, `Components: ${component}`, `Signed-By: ${KEYRING_INSTALL_PATH}`, ''].join('\n'),
    codenames: suites.map((s) => s.codename),
  };
}
