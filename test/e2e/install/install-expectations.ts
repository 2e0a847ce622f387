// What HALF's packages are expected to print while apt installs, upgrades or removes them in a
// test root, and why each message is intended. Anything else they print fails the test
// (apt-output.ts). The not-configured message is read from half-syncd's postinst itself, so the
// test holds the package to the text it ships.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../helpers/half-repo-cli.js';
import { JOIN_POINTER } from '../../../daemon/src/configure/join-line.js';
import type { OutputExpectations } from './apt-output.js';

export const HALF_PACKAGES = ['half', 'half-syncd', 'half-kernel'] as const;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The lines of the here-document half-syncd's postinst prints when the node has no answers. */
export function notConfiguredMessage(root = PROJECT_ROOT): string[] {
  const script = readFileSync(join(root, 'debian', 'half-syncd', 'postinst'), 'utf8');
  const block = /cat >&2 <<-'EOF'\n([\s\S]*?)\n\tEOF\n/.exec(script);
  if (block === null) throw new Error('debian/half-syncd/postinst has no not-configured here-document (cat >&2 <<-\'EOF\')');
  return (block[1] as string).split('\n').map((line) => line.replace(/^\t+/, ''));
}

/** half-kernel in a chroot: the running kernel is the host's, so it says it cannot check it
 *  (informational; the install never fails for it). */
const HALF_KERNEL_IN_CHROOT = [/^half-kernel: running in a chroot: could not check the running kernel \(it is the host's\); run \/usr\/lib\/half\/check-kernel on the node itself$/];

/** invoke-rc.d asked to start/stop keepalived and policy-rc.d (exit 101) refused: the proof
 *  that the test root starts no service (there is no runlevel in a chroot). */
export const POLICY_RC_D_DENIED = [/^invoke-rc\.d: could not determine current runlevel$/, /^invoke-rc\.d: policy-rc\.d denied execution of (start|stop|restart|force-reload)\.$/];

/** Debian 13's deb-systemd-helper (init-system-helpers 1.68) reports on stderr the link it made
 *  when postinst enables the unit, as for every Debian package's unit (keepalived's too);
 *  Debian 12's says nothing. */
export const UNIT_ENABLED = [/^Created symlink '\/etc\/systemd\/system\/multi-user\.target\.wants\/half-syncd\.service' → '\/usr\/lib\/systemd\/system\/half-syncd\.service'\.$/];

/** `apt-get source` of a package whose Sources stanza names its packaging repository (the
 *  backport keeps Debian's Vcs-Git): apt's notice about it, and the lines of --print-uris. */
export const SOURCE_NOTICES = [
  /^NOTICE: '[a-z0-9+.-]+' packaging is maintained in the 'Git' version control system at:$/,
  /^https:\/\/\S+\.git$/,
  /^Please use:$/,
  /^git clone https:\/\/\S+\.git$/,
  /^to retrieve the latest \(possibly unreleased\) updates to the package\.$/,
  /^'http:\/\/127\.0\.0\.1:\d+\/\S+' \S+ \d+ SHA(256|512):[0-9a-f]+$/,
];

/** `half configure --debconf apply` on a preseeded node: what it wrote, and, when it made the
 *  cluster key, where to get the line for the next node (never the line: it carries the key). */
const CONFIGURED = [
  /^HALF node \d+ \(priority \d+\) configured from \/etc\/half\/half\.conf:$/,
  /^ {2}(wrote|unchanged) \/etc\/\S+$/,
  ...JOIN_POINTER.split('\n').map((line) => new RegExp(`^${escape(line)}$`)),
];

/** The expectations for one apt run: `configured` says whether half-syncd has answers
 *  (preseeded, or an upgrade of a configured node); `backport` whether keepalived is HALF's. */
export function installExpectations(options: { readonly configured: boolean; readonly backport: boolean }): OutputExpectations {
  const notConfigured = notConfiguredMessage().map((line) => new RegExp(`^${escape(line)}$`));
  return {
    ours: [...HALF_PACKAGES, ...(options.backport ? ['keepalived'] : [])],
    expected: {
      'half-kernel': HALF_KERNEL_IN_CHROOT,
      'half-syncd': [...(options.configured ? CONFIGURED : notConfigured), ...UNIT_ENABLED],
      keepalived: POLICY_RC_D_DENIED,
    },
  };
}
