// `half-notify`: keepalived's notify script. It forwards the transition it is called with
// (GROUP|INSTANCE NAME STATE PRIORITY, ha/half-notify.ts) to half-syncd as a `notify` request on
// the control socket, and exits: 0 delivered, 2 bad arguments, 3 half-syncd not reachable, 5
// refused. `--socket PATH` before the four arguments overrides the socket (keepalived appends
// its arguments to the configured command line); otherwise half.conf's control-socket is used.
import { DEFAULT_CONFIG_PATH, DEFAULTS } from '../config/half-conf.js';
import { sendControlRequest } from '../control/control-client.js';
import { gatherConfig } from '../doctor/gather-system.js';
import { HALF_NOTIFY_USAGE, parseHalfNotifyArgs } from '../ha/half-notify.js';
import type { CliIo } from './command.js';
import { CliExit, describeError, exitCodeFor } from './exit-codes.js';

export interface HalfNotifyOptions {
  readonly configPath?: string;
}

export async function runHalfNotify(argv: readonly string[], io: CliIo, options: HalfNotifyOptions = {}): Promise<CliExit> {
  let args = [...argv];
  let socket: string | undefined;
  if (args[0] === '--socket') {
    socket = args[1];
    args = args.slice(2);
    if (socket === undefined || socket === '') {
      io.err(`half-notify: --socket needs a path\n${HALF_NOTIFY_USAGE}\n`);
      return CliExit.usage;
    }
  }
  const parsed = parseHalfNotifyArgs(args);
  if (!parsed.ok) {
    io.err(`${parsed.usage}\n`);
    return CliExit.usage;
  }
  if (socket === undefined) {
    const { fact } = await gatherConfig(options.configPath ?? DEFAULT_CONFIG_PATH);
    socket = fact.state === 'ok' ? fact.controlSocket : DEFAULTS.controlSocket;
  }
  try {
    await sendControlRequest(socket, { cmd: 'notify', event: parsed.event }, { timeoutMs: 5000 });
    return CliExit.ok;
  } catch (error) {
    io.err(describeError(error).replace(/^half:/, 'half-notify:'));
    return exitCodeFor(error);
  }
}
