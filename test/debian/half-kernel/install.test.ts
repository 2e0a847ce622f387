// half-kernel installed with dpkg in a Debian 12 root: the stock package needs no kernel there
// (Recommends only) and says it could not check the host's; the package pinned by
// pkgs/half-kernel.config.json refuses to install without the imported kernel (a small
// kernel-like package made here with dpkg-deb -b) and installs with it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDefinition, parseKernelConfig } from '../../../pkgs/half-kernel.js';
import type { DebArtifact } from '../../../repo-tool/src/model/artifact.js';
import type { DebianRoot } from '../../helpers/chroot.js';
import { run } from '../../helpers/tools.js';
import { build } from '../../pkgs/helpers/debs.js';
import { testContext } from '../../pkgs/helpers/context.js';
import { halfKernelDeb } from '../helpers/half-debs.js';
import { nodeRootfs } from '../helpers/node-rootfs.js';

const KERNEL = 'linux-image-6.1.0-half1-amd64';
const KERNEL_VERSION = '6.1.0-1';
let work: string;
let kernelDeb: Buffer;
let stock: DebArtifact;
let pinned: DebArtifact;
let root: DebianRoot;

/** A kernel-like package as a maintainer's patched kernel build would be imported: its config in /boot. */
async function fakeKernel(): Promise<Buffer> {
  const dir = join(work, 'kernel');
  await mkdir(join(dir, 'DEBIAN'), { recursive: true });
  await mkdir(join(dir, 'boot'), { recursive: true });
  await writeFile(join(dir, 'DEBIAN/control'), [
    `Package: ${KERNEL}`, `Version: ${KERNEL_VERSION}`, 'Architecture: amd64', 'Maintainer: Test <test@example.org>',
    'Section: kernel', 'Priority: optional', 'Description: patched kernel made by the HALF tests', ' Carries only its configuration.', '',
  ].join('\n'));
  // Built without ctnetlink: check-kernel must name it.
  await writeFile(join(dir, 'boot/config-6.1.0-half1-amd64'), 'CONFIG_NF_CONNTRACK=m\nCONFIG_NF_CONNTRACK_EVENTS=y\n# CONFIG_NF_CT_NETLINK is not set\nCONFIG_NF_TABLES=m\n');
  await run('dpkg-deb', ['--root-owner-group', '-b', dir, join(work, 'kernel.deb')], { check: true });
  return readFile(join(work, 'kernel.deb'));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'half-kernel-install-'));
  kernelDeb = await fakeKernel();
  stock = await halfKernelDeb();
  const config = parseKernelConfig(JSON.stringify({ kernels: [{ package: KERNEL, version: KERNEL_VERSION }] }));
  pinned = await build({ ...halfKernelDefinition(testContext(), config), version: `${testContext().projectVersion}+half1` });
  root = await nodeRootfs('bookworm');
  await root.writeFile('/root/stock.deb', stock.bytes);
  await root.writeFile('/root/pinned.deb', pinned.bytes);
  await root.writeFile('/root/kernel.deb', kernelDeb);
});
afterAll(async () => {
  await root?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('half-kernel in a Debian root', () => {
  it('installs without any kernel (stock), and says it cannot check the host\'s kernel from a chroot', async () => {
    expect((await root.run(['sh', '-c', 'ls /boot/vmlinuz* 2>/dev/null | wc -l'])).stdout.trim()).toBe('0');
    const r = await root.run(['dpkg', '-i', '/root/stock.deb']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('half-kernel: running in a chroot: could not check the running kernel');
    await root.run(['dpkg', '--purge', 'half-kernel'], { check: true });
  });

  it('loads the modules of the file modules-load.d reads at boot: an admin\'s copy in /etc replaces HALF\'s, /dev/null masks it', async () => {
    // outside a chroot as far as postinst can tell, with modprobe and sysctl that only write down their calls
    const fakes = { ischroot: 'exit 1', modprobe: 'echo "$*" >> /tmp/modprobe.calls', sysctl: 'exit 0' };
    for (const [tool, body] of Object.entries(fakes)) await root.writeFile(`/usr/local/sbin/${tool}`, `#!/bin/sh\n${body}\n`);
    await root.run(['chmod', '755', ...Object.keys(fakes).map((tool) => `/usr/local/sbin/${tool}`)], { check: true });
    const loaded = async (): Promise<string[]> => {
      await root.run(['rm', '-f', '/tmp/modprobe.calls'], { check: true });
      const r = await root.run(['dpkg', '-i', '/root/stock.deb']);
      expect(r.exitCode, r.stderr).toBe(0);
      const calls = await root.run(['sh', '-c', 'cat /tmp/modprobe.calls 2>/dev/null || true'], { check: true });
      return calls.stdout.split('\n').filter((line) => line !== '');
    };
    try {
      expect(await loaded()).toContain('-q nf_conntrack_ftp');
      await root.writeFile('/etc/modules-load.d/half-kernel.conf', '# no FTP helper on this firewall\nnf_conntrack\nnf_conntrack_netlink\n');
      expect(await loaded()).toEqual(['-q nf_conntrack', '-q nf_conntrack_netlink']);
      await root.run(['ln', '-sf', '/dev/null', '/etc/modules-load.d/half-kernel.conf'], { check: true });
      expect(await loaded()).toEqual([]);
    } finally {
      await root.run(['rm', '-f', '/etc/modules-load.d/half-kernel.conf', ...Object.keys(fakes).map((tool) => `/usr/local/sbin/${tool}`)], { check: true });
      await root.run(['dpkg', '--purge', 'half-kernel'], { check: true });
    }
  });

  it('pinned to an imported kernel, refuses to configure without it', async () => {
    const r = await root.run(['dpkg', '-i', '/root/pinned.deb']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`half-kernel depends on ${KERNEL} (= ${KERNEL_VERSION}); however:`);
    await root.run(['dpkg', '--remove', 'half-kernel'], { check: true });
  });

  it('pinned, installs with the imported kernel, whose configuration check-kernel then reads', async () => {
    const r = await root.run(['dpkg', '-i', '/root/kernel.deb', '/root/pinned.deb']);
    expect(r.exitCode, r.stderr).toBe(0);
    const status = await root.run(['dpkg-query', '-W', '-f=${Status}\\n', KERNEL, 'half-kernel']);
    expect(status.stdout).toBe('install ok installed\ninstall ok installed\n');
    const check = await root.run(['/usr/lib/half/check-kernel'], { env: { HALF_PROC: '/nonexistent', HALF_KERNEL_RELEASE: '6.1.0-half1-amd64' } });
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toContain('MISSING: conntrack over netlink (half-syncd\'s kernel interface): kernel 6.1.0-half1-amd64 was built without CONFIG_NF_CT_NETLINK (/boot/config-6.1.0-half1-amd64)');
  });
});
