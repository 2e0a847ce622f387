// The seam between the failover harness and what runs on the firewalls. The harness owns the
// topology, the ruleset, the traffic, the faults and the measurements; a FirewallStack owns the
// HA software of both firewalls (VRRP + state replication): ConntrackdStack (Debian's conntrackd
// + keepalived, the reference), HalfStack (HALF's packages installed by apt into a Debian
// rootfs). A stack's processes run inside the firewalls' namespaces, so the harness's fault
// injection (freeze, links down, SIGKILL everything in the namespace) reaches them whatever
// they are.
import type { NamespaceSet } from '../../../helpers/netns.js';
import type { FirewallAddresses, FirewallName } from './addresses.js';

export interface FirewallNode {
  readonly addresses: FirewallAddresses;
  readonly net: NamespaceSet;
  /** A private directory for this node's configuration, sockets, pid, lock and log files. */
  readonly dir: string;
}

/** One MASTER transition as the stack saw it (from its notify hook or its own status). */
export interface TakeoverRecord {
  readonly node: FirewallName;
  /** When the node learned that it is master, epoch ms. */
  readonly notifiedAt: number;
  /** The commit of the replicated state into the node's kernel, epoch ms (undefined: no commit). */
  readonly commitStartedAt?: number;
  readonly commitEndedAt?: number;
  /** Entries committed, when the stack can tell. */
  readonly committedEntries?: number;
}

export interface FirewallStack {
  /** Row label in reports, e.g. "conntrackd 1.4.7 + keepalived 2.2.7". */
  readonly label: string;
  /** False for the control run: VRRP only, no state replication. */
  readonly replicates: boolean;
  /** Versions of the software it runs and the settings that shape the numbers, for the report
   *  ({ keepalived: "Keepalived v2.2.7", vrrp: "VRRPv3, advert_int 0.5 s" }). */
  details(): Promise<Record<string, string>>;
  /** Writes the node's configuration and starts its HA processes inside its namespace; resolves
   *  once they run. Called again for a node that was switched off and comes back. */
  start(node: FirewallNode): Promise<void>;
  /** True when the standby holds every established flow of the active node (always true for a
   *  stack that does not replicate). */
  isSynced(): Promise<boolean>;
  /** Every MASTER transition so far, oldest first. */
  takeovers(): Promise<readonly TakeoverRecord[]>;
  /** When `node` itself reported holding the active node's whole table, after `since` (epoch ms;
   *  undefined: it did not say so, or the stack cannot tell). The evidence a failback uses when
   *  the returning node took over before a full isSynced() check could finish (a check of a
   *  large table takes longer than the few advert intervals between resync and takeover). */
  resyncReportedAt?(node: FirewallName, since: number): Promise<number | undefined>;
  /** Stops every process the stack started (by pid) on every node still running. */
  stop(): Promise<void>;
}

/** A stack cannot run here yet (its software or packages are missing): names what and why. */
export class StackUnavailableError extends Error {
  override readonly name = 'StackUnavailableError';
}
