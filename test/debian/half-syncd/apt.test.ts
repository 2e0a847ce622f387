// apt resolves half-syncd's and half-kernel's dependencies from Debian itself: in a bare
// Debian 12 root with the machine's mirror, `apt-get install ./half-kernel.deb ./half-syncd.deb`
// brings nodejs, nftables, iproute2 … and, without Recommends, no kernel: half-kernel only
// recommends one, which apt shows but a container can leave out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianRoot, type DebianRoot } from '../../helpers/chroot.js';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';

let root: DebianRoot;
beforeAll(async () => {
  root = await debianRoot({ suite: 'bookworm' });
  const [kernel, syncd] = await Promise.all([halfKernelDeb(), halfSyncdDeb()]);
  await root.writeFile(`/root/${kernel.fileName}`, kernel.bytes);
  await root.writeFile(`/root/${syncd.fileName}`, syncd.bytes);
  await root.run(['apt-get', 'update'], { check: true, timeoutMs: 300_000 });
});
afterAll(() => root?.cleanup());

describe('apt-get install of half-syncd and half-kernel from Debian 12', () => {
  it('shows a kernel only as a recommendation', async () => {
    const simulated = await root.run('cd /root && apt-get install -s ./half-kernel_*.deb');
    expect(simulated.exitCode, simulated.stderr).toBe(0);
    expect(simulated.stdout).toMatch(/^Inst linux-image-amd64 /m); // installed by default …
    const lean = await root.run('cd /root && apt-get install -s --no-install-recommends ./half-kernel_*.deb');
    expect(lean.stdout).not.toMatch(/^Inst linux-image/m); // … and not forced
  });

  it('installs both with their Debian dependencies, no kernel, and leaves the node unconfigured', async () => {
    const r = await root.run('cd /root && apt-get install -y --no-install-recommends ./half-kernel_*.deb ./half-syncd_*.deb', { timeoutMs: 600_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('HALF is installed but this node is not configured yet');
    const status = await root.run(['dpkg-query', '-W', '-f=${Package} ${Status}\\n', 'half-syncd', 'half-kernel', 'nodejs', 'nftables', 'iproute2']);
    expect(status.stdout.split('\n').filter((l) => l.endsWith('install ok installed'))).toHaveLength(5);
    const kernels = await root.run(['dpkg-query', '-W', '-f=${Package} ${Status}\\n', 'linux-image-*']);
    expect(kernels.stdout.split('\n').filter((l) => l.endsWith(' installed'))).toEqual([]);
    const help = await root.run(['half', '--help']);
    expect(help.exitCode, help.stderr).toBe(0);
  });
});
