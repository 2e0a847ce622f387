// Which half-syncd the CLI talks to, and what to say when none answers: the socket comes from
// --socket, else half.conf's [daemon] control-socket, else /run/half/half.sock. When nothing
// listens there and HALF is not configured, the message says how to configure it rather than
// "not running".
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
  readonly config: ConfigFact;
}

export async function resolveTarget(options: CliOptions): Promise<DaemonTarget> {
  const { fact } = await gatherConfig(options.config ?? DEFAULT_CONFIG_PATH);
  const socket = options.socket ?? (fact.state === 'ok' ? fact.controlSocket : DEFAULTS.controlSocket);
  return { socket, config: fact };
}

/** Turns "nobody listens" into "not configured" when that is the real cause. */
export function explainUnavailable(error: unknown, config: ConfigFact): unknown {
  if (!(error instanceof DaemonUnavailableError) || (error.reason !== 'absent' && error.reason !== 'refused')) return error;
  if (config.state === 'missing') {
    return new NotConfiguredError(`not configured: ${config.file} does not exist, so half-syncd is not running`, { hint: NOT_CONFIGURED_FIX, cause: error });
  }
  if (config.state === 'invalid') {
    return new NotConfiguredError(`half-syncd is not running and ${config.file} is invalid:\n  ${config.problems.join('\n  ')}`, {
      hint: 'fix the lines named, then run half configure --apply (see half.conf(5))',
      cause: error,
    });
  }
  return error;
}

/** How long a command that works through the whole table (commit, re-read) may take to answer. */
export const LONG_COMMAND_TIMEOUT_MS = 10 * 60_000;

/** Sends one request to the daemon the options name; errors explained. `timeoutMs`: the client's default (10 s) when absent. */
export async function askDaemon(options: CliOptions, request: ControlRequest, timeoutMs?: number): Promise<unknown> {
  const target = await resolveTarget(options);
  try {
    return await sendControlRequest(target.socket, request, timeoutMs === undefined ? {} : { timeoutMs });
  } catch (error) {
    throw explainUnavailable(error, target.config);
  }
}
