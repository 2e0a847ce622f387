// half-kernel: what HALF asks of the kernel. It ships the modules HALF needs (modules-load.d),
// the node-independent sysctls (sysctl.d; the node's own ones come from `half configure`,
// daemon/src/config/sysctl-conf.ts, and the shared keys agree: test/pkgs/half-kernel.test.ts),
// and a postinst that checks the running kernel (debian/half-kernel/check-kernel).
//
// Which kernel: Debian's stock flavours have everything HALF needs (CONFIG_NF_CT_NETLINK=m,
// CONFIG_NF_CONNTRACK_EVENTS=y). The relation is Recommends, not Depends, on purpose: a
// container or a chroot runs the host's kernel and must not be forced to install one (apt
// installs Recommends by default; `--no-install-recommends` leaves the kernel out there), and a
// machine with any of the alternatives already installed gets nothing new.
//
// A maintainer who builds a patched kernel and imports it with `half-repo import` names it in
// pkgs/half-kernel.config.json; half-kernel then depends on exactly that kernel:
//   { "kernels": [{ "package": "linux-image-6.1.0-half1-amd64", "version": "6.1.0-1" }],
//     "relation": "depends" }
// `version` pins it with `=` (leave it out for any version); several kernels are alternatives
// (one per architecture, say); "relation": "recommends" keeps containers free again.
//
// lintian (2.116, Debian 12): no errors, no warnings on the package as built; the published, signed
// .deb draws one error, misplaced-extra-member-in-deb, for the _gpgorigin member debsigs(1) signing adds.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DefinitionContext, PackageDefinition } from '../repo-tool/src/model/definition.js';
import { DefinitionError } from '../repo-tool/src/model/errors.js';
import { MAINTAINER, standardDocs } from './lib/common.js';

const NAME = 'half-kernel';
const DIR = 'debian/half-kernel';
export const CONFIG_FILE = 'pkgs/half-kernel.config.json';

/** Debian's kernel meta-packages, any of which is a kernel HALF can use. */
export const STOCK_KERNELS = ['linux-image-amd64', 'linux-image-cloud-amd64', 'linux-image-arm64', 'linux-image-cloud-arm64'] as const;

export interface KernelConfig {
  readonly kernels: readonly { readonly package: string; readonly version?: string }[];
  readonly relation?: 'depends' | 'recommends';
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~-]*$/;

/** Checks the JSON of pkgs/half-kernel.config.json; throws DefinitionError naming the field. */
export function parseKernelConfig(text: string, source = CONFIG_FILE): KernelConfig {
  const fail = (what: string, fix: string): never => {
    throw new DefinitionError(`${source}: ${what}`, { hint: fix });
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`is not JSON: ${(error as Error).message}`, 'write { "kernels": [{ "package": "linux-image-…", "version": "…" }] }');
  }
  const config = value as Partial<KernelConfig> | null;
  if (config === null || typeof config !== 'object' || !Array.isArray(config.kernels) || config.kernels.length === 0) {
    return fail('"kernels" must list at least one kernel package', 'write { "kernels": [{ "package": "linux-image-6.1.0-half1-amd64", "version": "6.1.0-1" }] }');
  }
  config.kernels.forEach((k, i) => {
    if (typeof k?.package !== 'string' || !PACKAGE_NAME.test(k.package)) fail(`kernels[${i}].package "${String(k?.package)}" is not a Debian package name`, 'use the name the imported kernel .deb has, e.g. linux-image-6.1.0-half1-amd64');
    if (k.version !== undefined && (typeof k.version !== 'string' || !VERSION.test(k.version))) fail(`kernels[${i}].version "${String(k.version)}" is not a Debian version`, 'use the Version of the imported .deb (dpkg-deb -f FILE Version), or leave it out');
  });
  if (config.relation !== undefined && config.relation !== 'depends' && config.relation !== 'recommends') fail(`"relation" is "${String(config.relation)}"`, 'use "depends" or "recommends"');
  return config as KernelConfig;
}

/** The Depends or Recommends element naming the kernel(s). */
export function kernelRelation(config: KernelConfig | undefined): { depends: string[]; recommends: string[] } {
  if (config === undefined) return { depends: [], recommends: [STOCK_KERNELS.join(' | ')] };
  const element = config.kernels.map((k) => (k.version === undefined ? k.package : `${k.package} (= ${k.version})`)).join(' | ');
  return config.relation === 'recommends' ? { depends: [], recommends: [element] } : { depends: [element], recommends: [] };
}

export function readKernelConfig(root: string): KernelConfig | undefined {
  const file = join(root, CONFIG_FILE);
  return existsSync(file) ? parseKernelConfig(readFileSync(file, 'utf8')) : undefined;
}

export function halfKernelDefinition(ctx: DefinitionContext, config: KernelConfig | undefined): PackageDefinition {
  const relation = kernelRelation(config);
  return {
    name: NAME,
    version: ctx.projectVersion,
    architecture: 'all',
    maintainer: MAINTAINER,
    section: 'kernel',
    priority: 'optional',
    multiArch: 'foreign',
    relationships: {
      ...(relation.depends.length > 0 ? { depends: relation.depends } : {}),
      ...(relation.recommends.length > 0 ? { recommends: relation.recommends } : {}),
      suggests: ['conntrack'],
    },
    description: {
      synopsis: 'kernel settings for HALF firewall cluster nodes',
      long: [
        'HALF (High Availability Linux Firewall) replicates the connection tracking',
        'table between firewalls over ctnetlink, which needs a kernel with',
        'connection tracking events (Debian\'s own kernels have them).',
        '',
        'This package loads the conntrack modules at boot, sets the conntrack',
        'sysctls HALF relies on (events on, liberal TCP window tracking after a',
        'takeover), and checks the running kernel when it is installed.',
      ].join('\n'),
    },
    files: [
      { path: '/usr/lib/modules-load.d/half-kernel.conf', content: { from: `${DIR}/modules-load.conf` }, mode: 0o644 },
      { path: '/usr/lib/sysctl.d/50-half-kernel.conf', content: { from: `${DIR}/sysctl.conf` }, mode: 0o644 },
      { path: '/usr/lib/half/check-kernel', content: { from: `${DIR}/check-kernel` }, mode: 0o755 },
      ...standardDocs(ctx, NAME),
    ],
    scripts: { postinst: { from: `${DIR}/postinst` } },
  };
}

export default function halfKernel(ctx: DefinitionContext): PackageDefinition {
  return halfKernelDefinition(ctx, readKernelConfig(ctx.root));
}
