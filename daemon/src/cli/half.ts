// `half`: parses the command line, runs one subcommand, and maps whatever it throws to an exit
// status and a message with its fix (the only catch; exit-codes.ts). The process edge (argv,
// stdout, process.exitCode) is half-main.ts.
import { UsageError } from '../../../repo-tool/src/model/errors.js';
import { OPTION_SPEC, parseCli, type OptionName } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { COMMANDS, findCommand } from './commands.js';
import { CliExit, describeError, exitCodeFor } from './exit-codes.js';
import { renderCommandHelp, renderHelp } from './help.js';
import { SETUP_COMMANDS } from './setup-commands.js';
import { HALF_VERSION } from './version.js';

function checkOptions(command: CliCommand, given: readonly OptionName[], args: readonly string[]): void {
  const extra = given.filter((name) => name !== 'help' && !command.options.includes(name));
  if (extra.length > 0) throw new UsageError(`half ${command.name} does not take --${extra.join(', --')}`, { hint: `usage: ${command.usage}` });
  if (args.length > command.maxArgs) throw new UsageError(`half ${command.name}: unexpected argument "${args[command.maxArgs]}"`, { hint: `usage: ${command.usage}` });
}

async function dispatch(argv: readonly string[], io: CliIo, commands: readonly CliCommand[]): Promise<CliExit> {
  const parsed = parseCli(argv);
  const { command: name, options } = parsed;
  if (name === undefined || name === 'help') {
    if (options.version === true && name === undefined) {
      io.out(`half ${HALF_VERSION}\n`);
      return CliExit.ok;
    }
    const topic = name === 'help' ? parsed.args[0] : undefined;
    if (topic !== undefined) {
      const setup = SETUP_COMMANDS.find((c) => c.name === topic);
      if (setup !== undefined) {
        io.out(`${setup.usage.trimEnd()}\n`);
        return CliExit.ok;
      }
      const command = findCommand(topic, commands);
      if (command === undefined) throw new UsageError(`half help: no command "${topic}"`, { hint: `commands: ${commands.map((c) => c.name).join(', ')}` });
      io.out(renderCommandHelp(command));
      return CliExit.ok;
    }
    if (name === undefined && options.help !== true) {
      io.err(renderHelp(commands, HALF_VERSION));
      return CliExit.usage;
    }
    io.out(renderHelp(commands, HALF_VERSION));
    return CliExit.ok;
  }
  const command = findCommand(name, commands);
  if (command === undefined) {
    throw new UsageError(`unknown command "${name}"`, { hint: `commands: ${commands.map((c) => c.name).join(', ')} (half --help)` });
  }
  if (options.help === true) {
    io.out(renderCommandHelp(command));
    return CliExit.ok;
  }
  checkOptions(command, parsed.given, parsed.args);
  return command.run({ io, options, args: parsed.args });
}

/** Where the command name is in argv: the first word that is neither an option nor an option's value. */
function commandIndex(argv: readonly string[]): number {
  const takesValue = new Set(Object.entries(OPTION_SPEC).flatMap(([name, spec]) => (spec.type === 'string' ? [`--${name}`, `-${spec.short}`] : [])));
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--') return i + 1;
    if (!word.startsWith('-') || word === '-') return i;
    if (takesValue.has(word)) i++;
  }
  return argv.length;
}

/** Runs `half` with `argv` (without node and the script); resolves with the exit status. Never rejects. */
export async function runHalf(argv: readonly string[], io: CliIo, commands: readonly CliCommand[] = COMMANDS): Promise<CliExit> {
  try {
    const at = commandIndex(argv);
    const setup = SETUP_COMMANDS.find((c) => c.name === argv[at]);
    // the set-up commands parse their own options, those before the command name included
    if (setup !== undefined) return (await setup.run([...argv.slice(0, at), ...argv.slice(at + 1)])) as CliExit;
    return await dispatch(argv, io, commands);
  } catch (error) {
    io.err(describeError(error));
    return exitCodeFor(error);
  }
}
