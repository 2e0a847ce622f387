// half-archive-keyring: the archive's public key(s) for apt (Signed-By), the debsig-verify
// policy for the packages' origin signatures, and (when the repository URL is configured) the
// deb822 apt source that postinst writes for the machine's release.
import type { DefinitionContext, FileEntry, PackageDefinition } from '../repo-tool/src/model/definition.js';
import { debsigKeyring } from '../repo-tool/src/sign/debsig-keyring.js';
import { debsigPolicy } from '../repo-tool/src/sign/debsig-policy.js';
import { MAINTAINER, standardDocs } from './lib/common.js';

export const KEYRING_PATH = '/usr/share/keyrings/half-archive-keyring.gpg';
const NAME = 'half-archive-keyring';

/** The deb822 source for one suite: exactly what `half-repo build` prints for admins. */
export function halfSources(url: string, suite: string, component: string): string {
  return ['Types: deb', `URIs: ${url}`, `Suites: ${suite}`, `Components: ${component}`, `Signed-By: ${KEYRING_PATH}`, ''].join('\n');
}

function sourcesTemplate(ctx: DefinitionContext, url: string): string {
  const served = ctx.suites.map((s) => `# suite: ${s.codename}`);
  return [`# HALF apt repository, written by ${NAME} (removed on purge)`, ...served, halfSources(url, '@CODENAME@', ctx.component)].join('\n');
}

function debsigFiles(ctx: DefinitionContext): FileEntry[] {
  return ctx.keyring.signingFingerprints.flatMap((fingerprint) => {
    const policy = debsigPolicy({ fingerprint, name: 'half', keyringFile: `${NAME}.gpg` });
    return [
      { path: policy.policyPath, content: policy.policyXml, conffile: true },
      { path: policy.keyringPath, content: debsigKeyring(fingerprint, ctx.keyring.publicKeys) },
    ];
  });
}

export default function halfArchiveKeyring(ctx: DefinitionContext): PackageDefinition {
  const files: FileEntry[] = [{ path: KEYRING_PATH, content: ctx.keyring.binary }, ...debsigFiles(ctx), ...standardDocs(ctx, NAME)];
  if (ctx.url !== undefined) {
    files.push({ path: `/usr/share/${NAME}/half.sources.in`, content: sourcesTemplate(ctx, ctx.url) });
  }
  return {
    name: NAME,
    version: ctx.projectVersion,
    architecture: 'all',
    maintainer: MAINTAINER,
    section: 'misc',
    priority: 'optional',
    multiArch: 'foreign',
    description: {
      synopsis: 'GnuPG archive key of the HALF apt repository',
      long: [
        'HALF (High Availability Linux Firewall) is distributed as a signed apt',
        'repository. This package ships the public key that apt uses to verify it',
        `(${KEYRING_PATH}, for Signed-By), the debsig-verify policy`,
        "that checks the origin signature of HALF's packages, and the apt source",
        'for the repository when it was built with a public URL.',
      ].join('\n'),
    },
    files,
    scripts: { postinst: { from: 'debian/half-archive-keyring/postinst' }, postrm: { from: 'debian/half-archive-keyring/postrm' } },
    // base-files ships it: a dist-upgrade runs postinst `triggered`, and half.sources follows the release
    ...(ctx.url !== undefined ? { triggers: 'interest-noawait /etc/debian_version\n' } : {}),
  };
}
