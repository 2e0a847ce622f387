// `half configure` and `half join`: the node set-up commands of daemon/src/configure/, which
// parse their own options. Their exit statuses (repo-tool's ExitCode) map onto the CLI's.
import { ExitCode } from '../../../repo-tool/src/model/errors.js';
import { CONFIGURE_USAGE, runConfigure } from '../configure/run-configure.js';
import { JOIN_USAGE, runJoin } from '../configure/run-join.js';
import { CliExit } from './exit-codes.js';

export interface SetupCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}

function cliExit(code: number): CliExit {
  switch (code) {
    case ExitCode.ok:
      return CliExit.ok;
    case ExitCode.usage:
      return CliExit.usage;
    case ExitCode.config:
      return CliExit.notConfigured;
    case ExitCode.tool:
      return CliExit.systemFailed;
    default:
      return CliExit.internal;
  }
}

export const SETUP_COMMANDS: readonly SetupCommand[] = [
  {
    name: 'configure',
    summary: 'render keepalived, nftables and sysctl files from /etc/half/half.conf',
    usage: CONFIGURE_USAGE,
    run: async (argv) => cliExit(await runConfigure(argv)),
  },
  {
    name: 'join',
    summary: 'configure this node as a further member of an existing cluster',
    usage: JOIN_USAGE,
    run: async (argv) => cliExit(await runJoin(argv)),
  },
];
