// half: the meta-package, what `apt-get install half` pulls onto a firewall.
//
// keepalived (>= 1:2.3~): bookworm's own keepalived (1:2.2.7-1+b2) does not satisfy it, so on
// Debian 12 apt takes HALF's backport (1:2.3.x-…~bpo12+half1, which sorts above 1:2.3~), while
// Debian 13's own keepalived (1:2.3.x) satisfies it directly. HALF's keepalived.conf needs
// 2.2.7 at least (vrrp_notify_fifo, vrrp_higher_prio_send_advert); the backport is what HALF
// tests with on Debian 12.
// half-syncd (= version): the daemon and the meta-package come from the same build.
// nftables: the takeover guard and HALF's rules are an nftables table, even where the admin's
// own rules are iptables; conntrack: the CLI `half doctor` and admins use next to half-syncd.
//
// lintian (2.116, Debian 12): no errors, no warnings on the package as built; the published, signed
// .deb draws one error, misplaced-extra-member-in-deb, for the _gpgorigin member debsigs(1) signing adds.
import type { DefinitionContext, PackageDefinition } from '../repo-tool/src/model/definition.js';
import { MAINTAINER, standardDocs } from './lib/common.js';

const NAME = 'half';
export const KEEPALIVED_DEPENDS = 'keepalived (>= 1:2.3~)';

export default function half(ctx: DefinitionContext): PackageDefinition {
  return {
    name: NAME,
    version: ctx.projectVersion,
    architecture: 'all',
    maintainer: MAINTAINER,
    section: 'net',
    priority: 'optional',
    relationships: {
      depends: [`half-syncd (= ${ctx.projectVersion})`, KEEPALIVED_DEPENDS, `half-kernel (= ${ctx.projectVersion})`, 'conntrack', 'nftables'],
    },
    description: {
      synopsis: 'High Availability Linux Firewall (metapackage)',
      long: [
        'HALF turns two or more Debian firewalls into a stateful failover cluster:',
        'keepalived moves the virtual addresses to the standby, and half-syncd',
        'replicates the connection tracking table, so established and NATed',
        'connections survive the failure of the active firewall.',
        '',
        'Installing this package on a firewall converts it in place: it pulls',
        'half-syncd, keepalived, the kernel settings (half-kernel), conntrack',
        'and nftables, and asks how to configure the node.',
      ].join('\n'),
    },
    files: standardDocs(ctx, NAME),
  };
}
