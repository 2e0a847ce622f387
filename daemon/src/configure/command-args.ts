// The options of a `half` subcommand that configures the node (configure, join): parsed strictly,
// with no positionals; a bad option is a UsageError that names the subcommand and its --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../../repo-tool/src/model/errors.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends OptionSpec>(command: string, argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message, { hint: `see \`half ${command} --help\`` });
  }
}
