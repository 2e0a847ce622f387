// The `half` CLI's exit statuses (printed by `half --help`) and the one mapping from errors to
// them, used by the single top-level catch in half.ts. Model: changesets' cli, one catch.
import { ConfigError, HalfRepoError, UsageError } from '../../../repo-tool/src/model/errors.js';
import { ControlProtocolError, ControlReplyError, DaemonUnavailableError } from '../control/errors.js';

export const CliExit = {
  ok: 0,
  /** An unexpected failure (a bug): the message and stack are printed. */
  internal: 1,
  usage: 2,
  /**
   * half-syncd is not running, or does not answer on its control socket, or takes no connection
   * now (its queue is full, or it answered `busy` at its connection limit): worth retrying, unlike 5.
   */
  daemonUnavailable: 3,
  /** HALF is not configured yet, or half.conf is invalid. */
  notConfigured: 4,
  /** half-syncd refused the command, or its answer made no sense. */
  refused: 5,
  /** `half doctor` found at least one FAIL. */
  doctorFailed: 6,
  /** `half configure` or `half join`: a system tool failed, or a file could not be written. */
  systemFailed: 7,
  /** `half commit`: some entries could not be written to the kernel. */
  partialCommit: 8,
} as const;
export type CliExit = (typeof CliExit)[keyof typeof CliExit];

export const EXIT_CODE_HELP: readonly (readonly [CliExit, string])[] = [
  [CliExit.ok, 'success'],
  [CliExit.internal, 'unexpected error (a bug: please report it with the message printed)'],
  [CliExit.usage, 'bad command line'],
  [CliExit.daemonUnavailable, 'half-syncd is not running, does not answer on its control socket, or takes no connection now (stuck, or busy at its connection limit)'],
  [CliExit.notConfigured, 'HALF is not configured yet, or /etc/half/half.conf is invalid or cannot be read (run half as root)'],
  [CliExit.refused, 'half-syncd refused the command (the reason is printed)'],
  [CliExit.doctorFailed, 'half doctor: at least one check failed'],
  [CliExit.systemFailed, 'half configure or join: a system tool failed or a file could not be written (the message says which)'],
  [CliExit.partialCommit, 'half commit: some entries could not be committed (the count is printed; half-syncd\'s log says why)'],
];

/** HALF is not configured on this machine. */
export class NotConfiguredError extends ConfigError {}

export function exitCodeFor(error: unknown): CliExit {
  if (error instanceof UsageError) return CliExit.usage;
  if (error instanceof DaemonUnavailableError) return CliExit.daemonUnavailable;
  if (error instanceof ConfigError) return CliExit.notConfigured;
  if (error instanceof ControlReplyError || error instanceof ControlProtocolError) return CliExit.refused;
  return CliExit.internal;
}

/** The message (and fix) printed for an error; the stack only for the unexpected. */
export function describeError(error: unknown): string {
  if (error instanceof HalfRepoError) {
    const hint = error.hint === undefined ? '' : `\n  fix: ${error.hint}`;
    return `half: ${error.message}${hint}\n`;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `half: unexpected error: ${text}\n`;
}
