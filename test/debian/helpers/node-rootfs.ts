// The Debian root filesystem HALF's packages are installed into by these tests: a cached
// mmdebstrap rootfs (test/helpers/chroot.ts) that already holds the Debian packages half-syncd
// and half-kernel depend on, so each test's dpkg -i needs no network; one test installs with
// apt from the mirror instead (half-syncd-apt.test.ts).
import { debianRoot, type DebianRoot, type DebianSuite } from '../../helpers/chroot.js';

/** half-syncd's and half-kernel's Depends and Recommends from Debian, and the tools the tests run;
 *  apt-utils (priority important, so on every Debian install) lets apt preconfigure packages with
 *  dpkg-preconfigure, as it does on a real node. */
export const NODE_PACKAGES = ['nodejs', 'iproute2', 'nftables', 'iptables', 'keepalived', 'conntrack', 'procps', 'kmod', 'systemd', 'apt-utils'] as const;

export function nodeRootfs(suite: DebianSuite): Promise<DebianRoot> {
  return debianRoot({ suite, extraPackages: [...NODE_PACKAGES] });
}
