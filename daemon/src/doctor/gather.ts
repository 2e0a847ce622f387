// Gathers every fact `half doctor` judges, from the real system, read-only: nothing is loaded,
// changed or signalled. Sysctls and the nftables ruleset are those of the network namespace the
// process runs in. The control socket path comes from the option, else half.conf, else the default.
import { release } from 'node:os';
import { DEFAULT_CONFIG_PATH, DEFAULTS } from '../config/half-conf.js';
import type { DoctorFacts } from './facts.js';
import { gatherModules, gatherSysctls } from './gather-kernel.js';
import { gatherClock, gatherConfig, gatherDaemon, gatherKeepalived, gatherLegacyIptables, gatherRuleset, KEEPALIVED_PID_FILE } from './gather-system.js';

export interface GatherOptions {
  readonly configPath?: string;
  /** Overrides half.conf's control-socket. */
  readonly socketPath?: string;
  /** The nft command line (default ['nft']). */
  readonly nft?: readonly string[];
  readonly keepalivedPidFile?: string;
  /** How long to wait for half-syncd's answer (default 5 s). */
  readonly daemonTimeoutMs?: number;
}

export async function gatherFacts(options: GatherOptions = {}): Promise<DoctorFacts> {
  const kernelRelease = release();
  const { fact: config } = await gatherConfig(options.configPath ?? DEFAULT_CONFIG_PATH);
  const socket = options.socketPath ?? (config.state === 'ok' ? config.controlSocket : DEFAULTS.controlSocket);
  const [modules, sysctls, daemon, keepalived, ruleset, clock] = await Promise.all([
    gatherModules(kernelRelease),
    gatherSysctls(),
    gatherDaemon(socket, options.daemonTimeoutMs),
    gatherKeepalived(options.keepalivedPidFile ?? KEEPALIVED_PID_FILE),
    gatherRuleset(options.nft),
    gatherClock(),
  ]);
  return { kernelRelease, modules, sysctls, config, daemon, keepalived, ruleset, clock, legacyIptables: await gatherLegacyIptables() };
}
