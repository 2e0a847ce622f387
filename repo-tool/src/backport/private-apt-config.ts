// A private apt configuration for reading Debian source packages without touching the machine's
// own apt state: an APT_CONFIG file (apt.conf(5)) that points Dir::Etc::sourcelist and
// Dir::Etc::sourceparts at our own files, and the state and cache directories at our own
// directory, with one deb822 stanza of `deb-src` suites (sources.list(5), DEB822-STYLE FORMAT)
// on the machine's own mirror and Signed-By. apt still reads the machine's apt.conf.d, so its
// proxies and checks apply. Pure: the texts; private-apt.ts writes them and runs apt.
import { createHash } from 'node:crypto';
import { ConfigError } from '../model/errors.js';

export interface MirrorSource {
  /** The Debian archive URI, e.g. as the machine's apt sources give it. */
  readonly uri: string;
  /** As the machine's source names it: keyring path(s) or fingerprint(s) separated by spaces,
   *  or an armored key block; undefined: apt's trusted keys (/etc/apt/trusted.gpg.d). */
  readonly signedBy: string | undefined;
}

export interface PrivateAptFiles {
  /** `<dir>/apt.conf`: the APT_CONFIG. */
  readonly aptConf: string;
  /** `<dir>/sources.list.d/half-backport.sources`. */
  readonly sources: string;
  /** `<dir>/half-backport-keyring.asc`, when Signed-By embeds a key. */
  readonly embeddedKey: string | undefined;
}

export const SOURCES_NAME = 'half-backport.sources';
export const EMBEDDED_KEY_NAME = 'half-backport-keyring.asc';

/** A directory name for this mirror and these suites, so their downloaded lists are reused. */
export function privateAptDirName(mirror: MirrorSource, suites: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify([mirror.uri, mirror.signedBy ?? null, [...suites].sort()])).digest('hex');
  return hash.slice(0, 16);
}

function quoted(path: string): string {
  if (/["\n]/.test(path)) throw new ConfigError(`the path ${JSON.stringify(path)} cannot be written in apt.conf`, { hint: 'use a cache directory without quotes or newlines in its path' });
  return `"${path}"`;
}

export function privateAptFiles(dir: string, mirror: MirrorSource, suites: readonly string[]): PrivateAptFiles {
  if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(mirror.uri)) {
    throw new ConfigError(`the Debian mirror "${mirror.uri}" is not a URI`, { hint: 'name it as apt does, e.g. http://HOST/debian' });
  }
  if (suites.length === 0 || suites.some((s) => !/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(s))) {
    throw new ConfigError(`invalid suite list "${suites.join(' ')}"`, { hint: 'name Debian suites by codename, e.g. trixie' });
  }
  const embedded = mirror.signedBy?.includes('-----BEGIN PGP') === true;
  const signedBy = embedded ? `${dir}/${EMBEDDED_KEY_NAME}` : mirror.signedBy?.trim().split(/\s+/).join(' ');
  const sources = [
    'Types: deb-src',
    `URIs: ${mirror.uri}`,
    `Suites: ${suites.join(' ')}`,
    'Components: main',
    ...(signedBy === undefined || signedBy === '' ? [] : [`Signed-By: ${signedBy}`]),
    '',
  ].join('\n');
  const aptConf = [
    '// half-repo backport: a private apt state for Debian source packages',
    `Dir::Etc::sourcelist ${quoted(`${dir}/sources.list`)};`,
    `Dir::Etc::sourceparts ${quoted(`${dir}/sources.list.d`)};`,
    `Dir::State ${quoted(`${dir}/state`)};`,
    `Dir::State::status ${quoted(`${dir}/state/status`)};`,
    `Dir::Cache ${quoted(`${dir}/cache`)};`,
    // The cache lives where the _apt user cannot enter (root's home): apt would drop to root
    // with a warning anyway; say so up front (mmdebstrap(1) does the same).
    'APT::Sandbox::User "root";',
    'Acquire::Languages "none";',
    '',
  ].join('\n');
  return { aptConf, sources, embeddedKey: embedded ? mirror.signedBy : undefined };
}
