// The apt sources of the build chroot: the target suite on the machine's own mirror, nothing else
// (the image's own sources.list is emptied), with the machine's Signed-By keyrings copied in so
// the chroot verifies the mirror with the same keys as the machine (sources.list(5), DEB822-STYLE
// FORMAT; Signed-By paths are read inside the chroot). A Signed-By holding fingerprints names keys
// in the chroot's own trusted keys (the image's debian-archive-keyring). Pure.
import type { MirrorSource } from './private-apt-config.js';
import { EMBEDDED_KEY_NAME } from './private-apt-config.js';

export interface KeyringCopy {
  /** Path on the host, or undefined when `text` holds the key itself. */
  readonly hostPath: string | undefined;
  readonly text: string | undefined;
  /** Path inside the chroot. */
  readonly chrootPath: string;
}

export interface ChrootSources {
  /** /etc/apt/sources.list.d/half-build.sources */
  readonly sources: string;
  readonly keyrings: readonly KeyringCopy[];
}

export const CHROOT_SOURCES_PATH = '/etc/apt/sources.list.d/half-build.sources';

export function chrootSources(mirror: MirrorSource, suite: string): ChrootSources {
  const keyrings: KeyringCopy[] = [];
  const signedBy: string[] = [];
  const value = mirror.signedBy?.trim() ?? '';
  if (value.includes('-----BEGIN PGP')) {
    const chrootPath = `/etc/apt/keyrings/${EMBEDDED_KEY_NAME}`;
    keyrings.push({ hostPath: undefined, text: mirror.signedBy, chrootPath });
    signedBy.push(chrootPath);
  } else {
    value.split(/\s+/).filter((item) => item !== '').forEach((item, index) => {
      if (!item.startsWith('/')) {
        signedBy.push(item); // a fingerprint
        return;
      }
      const extension = item.endsWith('.asc') ? 'asc' : 'gpg';
      const chrootPath = `/etc/apt/keyrings/half-build-mirror-${index}.${extension}`;
      keyrings.push({ hostPath: item, text: undefined, chrootPath });
      signedBy.push(chrootPath);
    });
  }
  const sources = [
    'Types: deb',
    `URIs: ${mirror.uri}`,
    `Suites: ${suite}`,
    'Components: main',
    ...(signedBy.length === 0 ? [] : [`Signed-By: ${signedBy.join(' ')}`]),
    '',
  ].join('\n');
  return { sources, keyrings };
}
