// half-repo: the maintainer's tool. Commander wiring, and the one place errors become exit
// codes and messages (changesets' cli/index.ts shape).
import { Command, CommanderError } from 'commander';
import { ExitCode, HalfRepoError } from '../model/errors.js';
import { registerBackport } from './commands/backport.js';
import { registerBuild } from './commands/build.js';
import { registerClean } from './commands/clean.js';
import { registerImport } from './commands/import.js';
import { registerKeygen } from './commands/keygen.js';
import { registerList } from './commands/list.js';
import { registerVerify } from './commands/verify.js';

const EXIT_CODES = `
Exit codes:
  0  success
  1  internal error (a bug: please report it with the message)
  2  bad command line
  3  invalid package definition in pkgs/
  4  malformed or conflicting package file (.deb, .dsc)
  5  signing key missing, unreadable or unsuitable
  6  verify found problems
  7  publishing failed (the published repository was left as it was)
  8  an external tool failed or is missing
  9  invalid configuration (half-repo.json, environment)

Environment:
  SOURCE_DATE_EPOCH            timestamp of built files (default: last git commit)
  HALF_SIGNING_KEY             armored private key(s) to sign with
  HALF_SIGNING_KEY_FILE        colon-separated private key files
  HALF_SIGNING_KEY_PASSPHRASE  passphrase of encrypted keys
`;

export function program(): Command {
  const cli = new Command('half-repo')
    .description('Build HALF\'s packages and publish them as a signed static apt repository')
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODES)
    .exitOverride();
  registerBuild(cli);
  registerKeygen(cli);
  registerImport(cli);
  registerVerify(cli);
  registerList(cli);
  registerClean(cli);
  registerBackport(cli);
  for (const command of cli.commands) {
    command.exitOverride();
    checkRequiredAfterUnknown(command);
  }
  return cli;
}

/**
 * Commander checks required options before unknown ones, so `keygen --expires` said only that
 * --private-key was missing. Here a required option is checked in a preAction hook, which runs
 * after the unknown-option check, with commander's own message and exit code.
 */
function checkRequiredAfterUnknown(command: Command): void {
  const required = command.options.filter((option) => option.mandatory);
  if (required.length === 0) return;
  for (const option of required) option.makeOptionMandatory(false);
  command.hook('preAction', () => {
    for (const option of required) {
      if (command.getOptionValue(option.attributeName()) === undefined) {
        command.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
      }
    }
  });
}

/** Runs the CLI; returns the exit code (the bin script sets process.exitCode). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander printed its message (or the help) already.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof HalfRepoError) {
    process.stderr.write(`half-repo: error: ${error.message}\n`);
    if (error.hint !== undefined) process.stderr.write(`  fix: ${error.hint}\n`);
    if (process.env['HALF_DEBUG'] === '1' && error.cause !== undefined) process.stderr.write(`  cause: ${String(error.cause)}\n`);
    return error.exitCode;
  }
  process.stderr.write(`half-repo: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.internal;
}
