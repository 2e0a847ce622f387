// The scenario's parameters and the two sizes the project runs: the test suite's (500 TCP +
// 100 UDP flows) and the bench's scale run (5,000 established flows + 100,000 injected entries).
import type { FirewallStack } from './stack.js';

export interface ScenarioOptions {
  /** Names the run in reports ("conntrackd-reference"); [a-z0-9-]. */
  readonly label: string;
  readonly stack: FirewallStack;
  /** TCP and UDP flows in total, split evenly between tom and jerry. */
  readonly tcpFlows: number;
  readonly udpFlows: number;
  /** Flows bound to the same source port on tom and on jerry (per host): after SNAT to the one
   *  WAN VIP, one flow of each pair must have been remapped. */
  readonly collidingTcp: number;
  readonly collidingUdp: number;
  /** Each flow sends a message every intervalMs and checks the echo. */
  readonly intervalMs: number;
  /** An FTP session with its data connection streaming across the failover (on tom). */
  readonly ftp: boolean;
  /** Conntrack entries injected on the active node once traffic runs (no traffic refreshes them). */
  readonly extraEntries: number;
  /** After the failover: switch halfone back on, let it resync and take over again. */
  readonly failback: boolean;
  /** A flow counts as kept when it works again within this time of the switch (10 s). */
  readonly recoveryWindowMs: number;
  /** Steady traffic before each switch, and observed after the last flow recovered. */
  readonly steadyMs: number;
  readonly settleMs: number;
  /** How long to wait for the standby to hold every flow before switching. */
  readonly syncTimeoutMs: number;
  /** Where the nodes' files, the traffic results and logs go (a temporary directory). */
  readonly runDir: string;
}

export type ScenarioSize = Pick<ScenarioOptions, 'tcpFlows' | 'udpFlows' | 'collidingTcp' | 'collidingUdp' | 'intervalMs' | 'extraEntries'>;

/** The test suite's size (issue 5 §1). */
export const SUITE_SIZE: ScenarioSize = { tcpFlows: 500, udpFlows: 100, collidingTcp: 25, collidingUdp: 25, intervalMs: 100, extraEntries: 0 };

/** The bench's size (issue 5 §4): messages every 500 ms keep 5,000 flows within two cores. */
export const SCALE_SIZE: ScenarioSize = { tcpFlows: 5000, udpFlows: 100, collidingTcp: 100, collidingUdp: 25, intervalMs: 500, extraEntries: 100_000 };

export const TIMING_DEFAULTS = { recoveryWindowMs: 10_000, steadyMs: 3000, settleMs: 3000, syncTimeoutMs: 60_000 } as const;
