// The `half` command line → a command name, its arguments and the options given. node:util's
// parseArgs (no commander: the bundle stays small); options may come before or after the
// command. A command accepts only the options it lists (commands.ts). Pure: argv in, result out.
import { parseArgs } from 'node:util';
import { UsageError } from '../../../repo-tool/src/model/errors.js';

export const OPTION_SPEC = {
  config: { type: 'string', short: 'c' },
  socket: { type: 'string', short: 's' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export type OptionName = keyof typeof OPTION_SPEC;

export interface CliOptions {
  readonly config?: string;
  readonly socket?: string;
  readonly json?: boolean;
  readonly help?: boolean;
  readonly version?: boolean;
}

export interface ParsedCli {
  /** undefined when no command was given. */
  readonly command: string | undefined;
  readonly args: readonly string[];
  readonly options: CliOptions;
  /** Options given on the command line (for the per-command check). */
  readonly given: readonly OptionName[];
}

/** Parses argv (without node and the script). Throws UsageError naming the problem. */
export function parseCli(argv: readonly string[]): ParsedCli {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTION_SPEC, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), { hint: 'see half --help' });
  }
  const [command, ...args] = parsed.positionals;
  const values = parsed.values as CliOptions;
  for (const name of ['config', 'socket'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} is empty`, { hint: `give the ${name === 'socket' ? 'control socket\'s' : 'half.conf'} path, or leave --${name} out for the one half.conf names` });
  }
  const given = (Object.keys(OPTION_SPEC) as OptionName[]).filter((name) => values[name] !== undefined);
  return { command, args, options: values, given };
}
