// half-syncd: the conntrack sync daemon and the `half` admin CLI, bundled by esbuild
// (scripts/bundle-daemon.ts) and run by Debian's own nodejs, with the `netlink` N-API binding's
// prebuilt .node for the package's architecture; the systemd unit, the debconf questions and the
// maintainer scripts that configure the node (debian/half-syncd/). One definition per
// architecture that has a netlink prebuild (amd64, arm64) and that the repository serves
// (half-repo.json `architectures`; the default layout serves amd64 only, so arm64 is built once
// it is added there).
//
// The netlink prebuild is shipped stripped (scripts/strip-elf.ts; Policy §10.1), its loaded
// bytes unchanged.
//
// lintian (2.116, Debian 12): no errors, no warnings on the package as built; the published, signed
// .deb draws one error, misplaced-extra-member-in-deb, for the _gpgorigin member debsigs(1)
// signing adds. At info level it reports unused-debconf-template for every question (the config
// script names them through a variable) and hardening-no-bindnow for the netlink prebuild
// (linked so upstream; not relinked here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DefinitionContext, FileEntry, PackageDefinition } from '../repo-tool/src/model/definition.js';
import { bundleDaemon, DAEMON_PROGRAMS, LIB_DIR, netlinkPrebuild, type DaemonBundle } from '../scripts/bundle-daemon.js';
import { stripElf } from '../scripts/strip-elf.js';
import { HALF_EXAMPLE_FILES } from '../repo-tool/src/backport/half-examples.js';
import { gzip9n, MAINTAINER, standardDocs } from './lib/common.js';
import { servedArchitectures } from './lib/served-architectures.js';

const NAME = 'half-syncd';
const DIR = 'debian/half-syncd';

/** What dpkg-shlibdeps computes for each prebuild (test/pkgs/half-syncd.test.ts checks amd64 with it). */
export const SHLIBS_DEPENDS: Readonly<Record<string, readonly string[]>> = {
  amd64: ['libc6 (>= 2.14)', 'libgcc-s1 (>= 3.0)', 'libstdc++6 (>= 5.2)'],
  arm64: ['libc6 (>= 2.17)', 'libgcc-s1 (>= 3.0)', 'libstdc++6 (>= 5.2)'],
};

export const ARCHITECTURES = ['amd64', 'arm64'] as const;

/** Where the systemd unit is installed. */
export const UNIT_PATH = '/usr/lib/systemd/system/half-syncd.service';

/** Debian 12's nodejs is 18.19.0 (Debian 13: 20.19); the bundles target node18.19. */
export const NODEJS_DEPENDS = 'nodejs (>= 18.19)';

function wrapper(bundle: string, nodeOptions: readonly string[] = []): string {
  return `#!/bin/sh\n# Runs ${LIB_DIR}/${bundle} with Debian's nodejs.\nexec /usr/bin/node ${[...nodeOptions, `${LIB_DIR}/${bundle}`].join(' ')} "$@"\n`;
}

/** SPDX identifiers whose full text Debian ships in /usr/share/common-licenses (Policy §12.5). */
const COMMON_LICENSES: Readonly<Record<string, string>> = {
  'Apache-2.0': 'Apache-2.0',
  'MPL-2.0': 'MPL-2.0',
  'CC0-1.0': 'CC0-1.0',
  'GPL-2.0': 'GPL-2',
  'GPL-3.0': 'GPL-3',
  'LGPL-2.1': 'LGPL-2.1',
  'LGPL-3.0': 'LGPL-3',
};

function licenseText(dir: string): string | undefined {
  for (const name of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'license.md']) {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** debian/copyright, plus a paragraph per npm package bundled into the .js files. */
function copyright(ctx: DefinitionContext, bundle: DaemonBundle): string {
  const base = readFileSync(join(ctx.root, 'debian/copyright'), 'utf8').trimEnd();
  const parts = bundle.packages.map((p) => {
    const text = licenseText(join(ctx.root, p.dir)) ?? '';
    const holders = text.split('\n').filter((l) => /^\s*Copyright\b/i.test(l) && !/^\s*copyright notice/i.test(l)).map((l) => l.trim());
    const common = COMMON_LICENSES[p.license.replace(/-(only|or-later)$/, '')];
    const body = common !== undefined
      ? [`On Debian systems, the complete text of the ${p.license} license can be found in "/usr/share/common-licenses/${common}".`]
      : (text.trim() === '' ? [`See https://www.npmjs.com/package/${p.name}`] : text.trimEnd().split('\n'));
    const indented = body.map((l) => (l.trim() === '' ? ' .' : ` ${l}`)).join('\n');
    return [
      '',
      `Files: usr/lib/half/*.js (bundled: ${p.name} ${p.version})`,
      `Copyright: ${holders.length > 0 ? holders.join('\n ') : `the ${p.name} authors`}`,
      `License: ${p.license}`,
      indented,
      '',
    ].join('\n');
  });
  return `${base}\n${parts.join('')}`;
}

function manPage(source: string, section: number): FileEntry {
  const name = source.split('/').pop() as string;
  return { path: `/usr/share/man/man${section}/${name}.gz`, content: gzip9n(readFileSync(source)) };
}

export function halfSyncdDefinition(ctx: DefinitionContext, architecture: string, bundle: DaemonBundle): PackageDefinition {
  const prebuild = netlinkPrebuild(ctx.root, architecture);
  const programs: FileEntry[] = [...bundle.files].map(([name, bytes]) => ({ path: `${LIB_DIR}/${name}`, content: bytes, mode: 0o644 }));
  const commands: FileEntry[] = DAEMON_PROGRAMS.filter((p) => p.command !== undefined && bundle.files.has(p.output)).map((p) => ({
    path: p.command as string,
    content: wrapper(p.output, p.nodeOptions),
    mode: 0o755,
  }));
  const docs = standardDocs(ctx, NAME).filter((f) => !f.path.endsWith('/copyright'));
  const man = join(ctx.root, DIR, 'man');
  return {
    name: NAME,
    version: ctx.projectVersion,
    architecture,
    maintainer: MAINTAINER,
    section: 'net',
    priority: 'optional',
    relationships: {
      // procps: the unit's ExecReload (/bin/kill), and sysctl in the postinst and `half configure --apply`
      depends: [NODEJS_DEPENDS, ...(SHLIBS_DEPENDS[architecture] ?? []), 'debconf (>= 0.5) | debconf-2.0', 'iproute2', 'nftables', 'procps'],
      recommends: ['keepalived (>= 1:2.2.7)', 'half-kernel', 'conntrack'],
      suggests: ['iptables'],
    },
    description: {
      synopsis: 'HALF connection tracking sync daemon and admin tool',
      long: [
        'HALF (High Availability Linux Firewall) turns two or more Debian firewalls',
        'into a stateful failover cluster: keepalived moves the virtual addresses,',
        'and half-syncd replicates the connection tracking table over a dedicated',
        'link, so established and NATed connections survive the failure of the',
        'active firewall.',
        '',
        'This package contains half-syncd, the half admin tool and the debconf',
        'questions that configure the node; install the "half" package to get',
        'keepalived, the kernel settings and the tools as well.',
      ].join('\n'),
    },
    files: [
      ...programs,
      { path: `${LIB_DIR}/package.json`, content: '{"type":"module"}\n', mode: 0o644 },
      { path: prebuild.installPath, content: stripElf(readFileSync(prebuild.source), prebuild.source), mode: 0o644 },
      ...commands,
      // Under /usr (DEP 17): in merged-/usr Debian 13 a unit shipped as /lib/systemd/system/…
      // leaves dpkg owning the aliased directory /lib/systemd/system alone, and removing the
      // package warns that it is "not empty so not removed". systemd and deb-systemd-helper
      // read /usr/lib/systemd/system on Debian 12 as well.
      { path: UNIT_PATH, content: { from: `${DIR}/half-syncd.service` }, mode: 0o644 },
      { path: `/usr/share/doc/${NAME}/copyright`, content: copyright(ctx, bundle) },
      { path: `/usr/share/doc/${NAME}/half.conf.5.md`, content: { from: 'docs/half.conf.5.md' }, mode: 0o644 },
      // The keepalived examples the backport carries, here too: where Debian's own keepalived is
      // new enough no backport is built (repo-tool/src/backport/version-choice.ts, halfExamplesIn).
      ...HALF_EXAMPLE_FILES.map((f): FileEntry => ({ path: `/usr/share/doc/${NAME}/examples/${f.name}`, content: f.text, mode: 0o644 })),
      ...docs,
      manPage(join(man, 'half-syncd.8'), 8),
      manPage(join(man, 'half.8'), 8),
      manPage(join(man, 'half-notify.8'), 8),
      manPage(join(man, 'half.conf.5'), 5),
    ],
    scripts: {
      config: { from: `${DIR}/config` },
      postinst: { from: `${DIR}/postinst` },
      prerm: { from: `${DIR}/prerm` },
      postrm: { from: `${DIR}/postrm` },
    },
    templates: { from: `${DIR}/templates` },
  };
}

export default function halfSyncd(ctx: DefinitionContext): PackageDefinition[] {
  const bundle = bundleDaemon({ root: ctx.root, version: ctx.projectVersion });
  const served = servedArchitectures(ctx.root);
  return ARCHITECTURES.filter((architecture) => served.includes(architecture)).map((architecture) => halfSyncdDefinition(ctx, architecture, bundle));
}
