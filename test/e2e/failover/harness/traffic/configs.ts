// The traffic processes' configurations for a scenario: flows split evenly between tom and
// jerry, the same colliding source ports on both (20000+ for TCP, 21000+ for UDP: below the
// ephemeral range, so no ephemeral connection takes them first), flow ids that never overlap
// (tom from 1, jerry from 1,000,001), the FTP session and the LAN service on tom.
import { join } from 'node:path';
import { HOSTS, PORTS } from '../addresses.js';
import type { ScenarioOptions } from '../scenario-options.js';
import type { ClientConfig, ServerConfig } from './results.js';

export const COLLIDING_TCP_BASE = 20_000;
export const COLLIDING_UDP_BASE = 21_000;

type TrafficOptions = Pick<ScenarioOptions, 'tcpFlows' | 'udpFlows' | 'collidingTcp' | 'collidingUdp' | 'intervalMs' | 'ftp' | 'runDir'>;

const range = (base: number, count: number): number[] => Array.from({ length: count }, (_, i) => base + i);

export function clientConfigs(options: TrafficOptions): ClientConfig[] {
  return (['tom', 'jerry'] as const).map((host, i) => {
    const tcpFlows = Math.floor(options.tcpFlows / 2) + (i === 0 ? options.tcpFlows % 2 : 0);
    const udpFlows = Math.floor(options.udpFlows / 2) + (i === 0 ? options.udpFlows % 2 : 0);
    if (options.collidingTcp > tcpFlows || options.collidingUdp > udpFlows) {
      throw new RangeError(`${host}: ${options.collidingTcp} colliding TCP / ${options.collidingUdp} UDP flows asked, but it has only ${tcpFlows} / ${udpFlows}`);
    }
    return {
      host,
      server: HOSTS.gateway.address,
      tcpPort: PORTS.tcpEcho,
      udpPort: PORTS.udpEcho,
      ftpPort: PORTS.ftp,
      tcpFlows,
      udpFlows,
      tcpLocalPorts: range(COLLIDING_TCP_BASE, options.collidingTcp),
      udpLocalPorts: range(COLLIDING_UDP_BASE, options.collidingUdp),
      firstFlowId: i === 0 ? 1 : 1_000_001,
      intervalMs: options.intervalMs,
      ftp: options.ftp && host === 'tom',
      localAddress: HOSTS[host].address,
      ...(host === 'tom' ? { lanServicePort: PORTS.lanService } : {}),
      connectConcurrency: 64,
      resultFile: join(options.runDir, 'traffic', `${host}.json`),
    };
  });
}

export function serverConfig(options: Pick<ScenarioOptions, 'intervalMs' | 'runDir'>): ServerConfig {
  return {
    tcpPort: PORTS.tcpEcho,
    udpPort: PORTS.udpEcho,
    ftpPort: PORTS.ftp,
    ftpDataIntervalMs: options.intervalMs,
    resultFile: join(options.runDir, 'traffic', 'gateway.json'),
  };
}
