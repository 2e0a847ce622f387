// Errors of the control socket, on both sides. In the daemon a handler throws
// ControlCommandError to refuse a command; in a client, DaemonUnavailableError (nobody answers
// on the socket), ControlReplyError (the daemon answered with an error) and ControlProtocolError
// (the answer made no sense). All keep the fix to print, as the rest of HALF's errors do.
import { HalfRepoError, type HalfErrorOptions } from '../../../repo-tool/src/model/errors.js';

/** Thrown by a ControlHandler: sent to the client as {code, message, fix}. */
export class ControlCommandError extends HalfRepoError {
  constructor(
    readonly code: string,
    message: string,
    options: HalfErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * Why nobody answers. `not-accepting`: the socket's queue of connections not yet accepted is full
 * (the kernel says EAGAIN at once), so half-syncd is there but stopped or stuck; `busy`: it
 * answered that it serves its limit of connections already. Both pass, unlike a refusal: they
 * are "no answer now" (exit 3), not "the daemon said no" (exit 5).
 */
export type UnavailableReason = 'absent' | 'refused' | 'permission' | 'timeout' | 'closed' | 'not-accepting' | 'busy';

/** No daemon answers on the control socket. */
export class DaemonUnavailableError extends HalfRepoError {
  constructor(
    readonly socketPath: string,
    readonly reason: UnavailableReason,
    options: HalfErrorOptions = {},
  ) {
    super(unavailableMessage(socketPath, reason), { hint: options.hint ?? unavailableHint(reason), cause: options.cause });
  }
}

function unavailableMessage(path: string, reason: UnavailableReason): string {
  switch (reason) {
    case 'absent':
      return `half-syncd is not running: its control socket ${path} does not exist`;
    case 'refused':
      return `half-syncd is not running: nothing listens on ${path}`;
    case 'permission':
      return `permission denied on the control socket ${path}`;
    case 'timeout':
      return `half-syncd did not answer on ${path} in time`;
    case 'closed':
      return `half-syncd closed the control connection on ${path} without an answer`;
    case 'not-accepting':
      return `half-syncd is not accepting connections on ${path}: its queue of waiting connections is full`;
    case 'busy':
      return `half-syncd on ${path} is busy: it serves as many control connections as it takes`;
  }
}

function unavailableHint(reason: UnavailableReason): string {
  switch (reason) {
    case 'absent':
    case 'refused':
      return 'start it with `systemctl start half-syncd` (its log: `journalctl -u half-syncd`)';
    case 'permission':
      return 'run half as root (the socket is mode 0600)';
    case 'timeout':
      return 'a long command may still be running in half-syncd: see `half status` (it answers meanwhile) and `journalctl -u half-syncd`; restart half-syncd only if status does not answer either';
    case 'closed':
      return 'see `journalctl -u half-syncd`; restart it with `systemctl restart half-syncd` if it hangs';
    case 'not-accepting':
      return 'is half-syncd stuck or stopped? see `systemctl status half-syncd` and `journalctl -u half-syncd`; restart it with `systemctl restart half-syncd` if it stays so';
    case 'busy':
      return 'retry in a moment; if it stays busy, see who holds the connections (`ss -xp | grep half.sock`)';
  }
}

/** The daemon refused the command. */
export class ControlReplyError extends HalfRepoError {
  constructor(
    readonly code: string,
    message: string,
    fix: string | undefined,
  ) {
    super(`half-syncd refused: ${message} (${code})`, fix === undefined ? {} : { hint: fix });
  }
}

/** The daemon's answer did not decode (different releases of half and half-syncd?). */
export class ControlProtocolError extends HalfRepoError {}
