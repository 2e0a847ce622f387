// From half.conf's [filter] and the node's addresses to the kernel layer's FlowFilter: the
// effective filter is config/filters.ts replicationFilter (own addresses, loopback, sync links,
// [filter] ignore/protocols/tcp-states); this module only changes its shape and reads the
// node's addresses (getifaddrs, through os.networkInterfaces: the daemon's network namespace).
import { networkInterfaces } from 'node:os';
import type { HalfConfig } from '../config/half-conf.js';
import { PROTOCOLS, TCP_STATES } from '../config/half-conf.js';
import { replicationFilter, type ReplicationFilter } from '../config/filters.js';
import { parseIpAddress, type IpAddress } from '../config/ip-address.js';
import { buildFlowFilter, type FlowFilter, type FlowFilterConfig } from '../kernel/flow-filter.js';

/** The addresses configured on this node's interfaces (zone indexes dropped). */
export function localAddresses(): IpAddress[] {
  const out: IpAddress[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      const address = parseIpAddress(info.address.split('%')[0] ?? '');
      if (address !== undefined) out.push(address);
    }
  }
  return out;
}

/** The kernel layer's filter settings for a replication filter. Pure. */
export function flowFilterConfig(filter: ReplicationFilter): FlowFilterConfig {
  const allProtocols = Object.values(PROTOCOLS).every((n) => filter.protocols.has(n));
  const allStates = TCP_STATES.every((s) => filter.tcpStates.has(s));
  return {
    ignoreAddresses: filter.ignore.map((p) => p.text),
    // "all" in half.conf means every protocol, also those the list does not name.
    ...(allProtocols ? {} : { protocols: [...filter.protocols] }),
    ...(allStates ? {} : { tcpStates: [...filter.tcpStates].map((s) => s.toUpperCase()) }),
  };
}

export interface EffectiveFilter {
  readonly filter: FlowFilter;
  readonly settings: FlowFilterConfig;
}

/** The filter half-syncd applies to events and dumps, for the addresses the node has now. */
export function effectiveFlowFilter(config: HalfConfig, addresses: readonly IpAddress[] = localAddresses()): EffectiveFilter {
  const settings = flowFilterConfig(replicationFilter(config, addresses));
  return { filter: buildFlowFilter(settings), settings };
}
