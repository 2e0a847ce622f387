// What a `half` subcommand is: its name, help, the options and arguments it accepts, and what it
// does. The list of subcommands is commands.ts; `half configure` and `half join` (packaging)
// are added there as more entries of this shape.
import type { CliOptions, OptionName } from './args.js';
import type { CliExit } from './exit-codes.js';

/** Where a command writes: stdout and stderr (tests capture them). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly options: CliOptions;
  readonly args: readonly string[];
}

export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** e.g. `half flush [all|internal|external] [--json]`. */
  readonly usage: string;
  /** Further paragraphs for `half help <command>`. */
  readonly details?: string;
  /** Options it accepts besides --help (and the global --config/--socket when listed). */
  readonly options: readonly OptionName[];
  /** Positional arguments: at most this many. */
  readonly maxArgs: number;
  run(context: CommandContext): Promise<CliExit>;
}
