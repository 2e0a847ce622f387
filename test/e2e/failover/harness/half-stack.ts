// The seam where HALF plugs into the failover harness. When it lands, HalfStack will:
//   1. build the repository with `half-repo build` (test/helpers/half-repo-cli.ts) and serve it
//      on 127.0.0.1 (test/helpers/http-server.ts);
//   2. per firewall, make a Debian rootfs (test/helpers/chroot.ts debianRoot), add the HALF
//      source with its keyring (aptSourceForRepo), preseed debconf as an admin would (node id,
//      sync interface/address/peers = the sync link, VIPs = 192.0.2.254/24 on lan0 and
//      198.51.100.254/24 on wan0, a shared cluster key, VRRP adverts unicast to the peer) and run
//      `apt-get install -y half`;
//   3. start(node): run keepalived and half-syncd from that rootfs inside the firewall's
//      namespace (NamespaceSet.spawn(fw, root.argv([...]))) with the configuration postinst
//      rendered, so the harness's fault injection reaches them;
//   4. isSynced(): compare the active node's table with the standby's external cache through
//      `half status --json` on each node; takeovers(): from half-syncd's transition log/metrics
//      (notified, commit started/ended, entries).
// Until the daemon's packaged entry point can be installed and run that way, start() throws a
// StackUnavailableError that says so: the bench prints it in HALF's row.
import type { DebianSuite } from '../../../helpers/chroot.js';
import type { FirewallNode, FirewallStack, TakeoverRecord } from './stack.js';
import { StackUnavailableError } from './stack.js';

export interface HalfStackOptions {
  /** Debian release of the firewalls' rootfs. Default bookworm. */
  readonly suite?: DebianSuite;
  /** A repository already built by `half-repo build` (default: build one). */
  readonly repoDir?: string;
}

export const HALF_NOT_YET =
  'HalfStack is not yet available: it needs half-syncd installable with apt from the repository `half-repo build` makes and runnable from a ' +
  'Debian rootfs inside a firewall namespace (see test/e2e/failover/harness/half-stack.ts for the steps); until then only the conntrackd reference runs';

export class HalfStack implements FirewallStack {
  readonly label = 'HALF (half-syncd + keepalived, installed by apt)';
  readonly replicates = true;

  constructor(readonly options: HalfStackOptions = {}) {}

  details(): Promise<Record<string, string>> {
    return Promise.reject(new StackUnavailableError(HALF_NOT_YET));
  }

  start(node: FirewallNode): Promise<void> {
    return Promise.reject(new StackUnavailableError(`${HALF_NOT_YET} (asked to start ${node.addresses.name}, suite ${this.options.suite ?? 'bookworm'})`));
  }

  isSynced(): Promise<boolean> {
    return Promise.reject(new StackUnavailableError(HALF_NOT_YET));
  }

  takeovers(): Promise<readonly TakeoverRecord[]> {
    return Promise.reject(new StackUnavailableError(HALF_NOT_YET));
  }

  /** Nothing was started: nothing to stop. */
  async stop(): Promise<void> {}
}
