// /usr/lib/half/half-configure.js: `configure` and `join` on their own, for half-syncd's
// maintainer scripts (which must not depend on the rest of the `half` CLI) and as the same
// commands the `half` CLI dispatches to (runConfigure, runJoin). Wiring only.
import { ExitCode } from '../../../repo-tool/src/model/errors.js';
import { CONFIGURE_USAGE, runConfigure } from './run-configure.js';
import { JOIN_USAGE, runJoin } from './run-join.js';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'configure') return runConfigure(rest);
  if (command === 'join') return runJoin(rest);
  process.stderr.write(`usage: half-configure configure|join [options]\n\n${CONFIGURE_USAGE}\n${JOIN_USAGE}`);
  return command === undefined || command === '--help' || command === '-h' ? ExitCode.ok : ExitCode.usage;
}

process.exitCode = await main(process.argv.slice(2));
