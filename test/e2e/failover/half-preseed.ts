// The debconf answers an admin preseeds on each firewall of the failover scenario before
// `apt-get install half` (debian/half-syncd/templates; debconf-set-selections(1) line format
// "owner question type value"): halfone is the primary (node 1) and makes the cluster key,
// halftwo the backup (node 2) and gets halfone's key, as the line printed by halfone's postinst
// says. Sync link sync0, VIPs on lan0 and wan0, router ids 51 and 52 (the reference's too).
// Pure: addresses in, answers and text out.
import { FIREWALL_IFACES, LAN_VIP, WAN_VIP, type FirewallAddresses } from './harness/addresses.js';

/** [question without the half-syncd/ prefix, debconf type, value]. */
export type PreseedAnswer = readonly [question: string, type: 'boolean' | 'select' | 'string' | 'password', value: string];

export const HALF_ROUTER_ID = 51;

const NODE_IDS = { halfone: 1, halftwo: 2 } as const;

/** The answers for `fw`; `clusterKey` (64 hex digits) for a backup, from the primary. */
export function halfPreseed(fw: FirewallAddresses, clusterKey?: string): PreseedAnswer[] {
  const primary = fw.name === 'halfone';
  if (!primary && clusterKey === undefined) throw new RangeError(`${fw.name} joins halfone's cluster: it needs halfone's cluster key (/etc/half/cluster.key there)`);
  if (clusterKey !== undefined && !/^[0-9a-f]{64}$/i.test(clusterKey)) throw new RangeError('a cluster key is 64 hex digits');
  const { lan, wan, sync } = FIREWALL_IFACES;
  const answers: PreseedAnswer[] = [
    ['setup', 'boolean', 'true'],
    ['role', 'select', primary ? 'primary' : 'backup'],
    ['node-id', 'string', String(NODE_IDS[fw.name])],
    ['sync-interface', 'string', sync],
    ['sync-address', 'string', fw.sync],
    ['sync-peers', 'string', fw.peerSync],
    ['vips', 'string', `${lan}=${LAN_VIP}/24 ${wan}=${WAN_VIP}/24`],
    ['router-id', 'string', String(HALF_ROUTER_ID)],
  ];
  if (clusterKey !== undefined) answers.push(['cluster-key', 'password', clusterKey]);
  return answers;
}

/** debconf-set-selections input for half-syncd's questions. */
export function renderSelections(answers: readonly PreseedAnswer[]): string {
  return answers.map(([question, type, value]) => `half-syncd half-syncd/${question} ${type} ${value}\n`).join('');
}
