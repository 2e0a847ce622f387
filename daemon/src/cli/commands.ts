// Every `half` subcommand, in the order `half --help` lists them. Packaging adds `configure` and
// `join` here (a CliCommand each); nothing else needs to change.
import { commitCommand, flushCommand, resyncCommand } from './action-commands.js';
import type { CliCommand } from './command.js';
import { doctorCommand } from './doctor-command.js';
import { statusCommand } from './status-command.js';

export const COMMANDS: readonly CliCommand[] = [statusCommand, commitCommand, flushCommand, resyncCommand, doctorCommand];

export function findCommand(name: string, commands: readonly CliCommand[] = COMMANDS): CliCommand | undefined {
  return commands.find((command) => command.name === name);
}
