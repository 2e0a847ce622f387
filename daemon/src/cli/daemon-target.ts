// Which half-syncd the CLI talks to, and what to say when none answers: the socket comes from
// --socket, else half.conf's [daemon] control-socket, else /run/half/half.sock. When nothing
// listens on a socket half.conf did not name, the message says why half.conf named none (it does
// not exist: how to configure; it is invalid: its problems; it cannot be read: run as root)
// rather than "not running", since half-syncd may well run on the socket half.conf names. A
// socket given with --socket is the admin's choice: its own problem is reported (exit 3).
import { DEFAULT_CONFIG_PATH, DEFAULTS } from '../config/half-conf.js';
import { sendControlRequest } from '../control/control-client.js';
import { DaemonUnavailableError } from '../control/errors.js';
import type { ControlRequest } from '../control/protocol.js';
import { NOT_CONFIGURED_FIX } from '../doctor/cluster-checks.js';
import type { ConfigFact } from '../doctor/facts.js';
import { gatherConfig } from '../doctor/gather-system.js';
import type { CliOptions } from './args.js';
import { NotConfiguredError } from './exit-codes.js';

export interface DaemonTarget {
  readonly socket: string;
  /** Where the socket path came from. */
  readonly from: 'option' | 'config' | 'default';
  readonly config: ConfigFact;
}

export async function resolveTarget(options: CliOptions): Promise<DaemonTarget> {
  const { fact } = await gatherConfig(options.config ?? DEFAULT_CONFIG_PATH);
  if (options.socket !== undefined) return { socket: options.socket, from: 'option', config: fact };
  if (fact.state === 'ok') return { socket: fact.controlSocket, from: 'config', config: fact };
  return { socket: DEFAULTS.controlSocket, from: 'default', config: fact };
}

/** Turns "nobody listens on the default socket" into what is wrong with half.conf, when that is the real cause. */
export function explainUnavailable(error: unknown, target: DaemonTarget): unknown {
  if (target.from !== 'default' || !(error instanceof DaemonUnavailableError) || (error.reason !== 'absent' && error.reason !== 'refused')) return error;
  const { config } = target;
  switch (config.state) {
    case 'missing':
      return new NotConfiguredError(`not configured: ${config.file} does not exist, so half-syncd is not running`, { hint: NOT_CONFIGURED_FIX, cause: error });
    case 'invalid':
      return new NotConfiguredError(`half-syncd is not running and ${config.file} is invalid:\n  ${config.problems.join('\n  ')}`, {
        hint: 'fix the lines named, then run half configure --apply (see half.conf(5))',
        cause: error,
      });
    case 'unreadable':
      return new NotConfiguredError(`${config.file} ${config.problem}, so its control socket is unknown; tried the default: ${error.message}`, {
        hint: 'run half as root (half.conf and the control socket are root\'s alone), or name the socket with --socket',
        cause: error,
      });
    case 'ok':
      return error;
  }
}

/** How long a command that works through the whole table (commit, re-read) may take to answer. */
export const LONG_COMMAND_TIMEOUT_MS = 10 * 60_000;

/** Sends one request to the daemon the options name; errors explained. `timeoutMs`: the client's default (10 s) when absent. */
export async function askDaemon(options: CliOptions, request: ControlRequest, timeoutMs?: number): Promise<unknown> {
  const target = await resolveTarget(options);
  try {
    return await sendControlRequest(target.socket, request, timeoutMs === undefined ? {} : { timeoutMs });
  } catch (error) {
    throw explainUnavailable(error, target);
  }
}
