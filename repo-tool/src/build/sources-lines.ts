// The apt sources an admin adds to use the repository: the seed's one-line form
// (`deb URL stable half`) with Signed-By, and the deb822 form (sources.list(5)). Pure.
import type { RepoConfig } from '../repo/config.js';

export const KEYRING_INSTALL_PATH = '/usr/share/keyrings/half-archive-keyring.gpg';

export interface SourcesLines {
  readonly oneLine: string;
  readonly deb822: string;
}

export function sourcesLines(config: RepoConfig, url: string): SourcesLines {
  const component = config.components.join(' ');
  const current = config.suites.find((s) => s.suite === 'stable') ?? config.suites[config.suites.length - 1];
  const suite = current?.suite ?? 'stable';
  return {
    oneLine: `deb [signed-by=${KEYRING_INSTALL_PATH}] ${url} ${suite} ${component}`,
    deb822: ['Types: deb', `URIs: ${url}`, `Suites: ${suite}`, `Components: ${component}`, `Signed-By: ${KEYRING_INSTALL_PATH}`, ''].join('\n'),
  };
}
