// The daemon's errors: one hierarchy shared with half-repo (repo-tool/src/model/errors.ts), so
// `half`, `half-syncd` and `half-repo` print errors the same way (message, then the fix) and an
// error crossing from one layer to another keeps its class. The daemon's modules import from
// here, never from repo-tool directly. What is added here is the daemon's own: its exit codes
// and the errors only a running half-syncd raises. Model: changesets' packages/errors.
import { ConfigError, HalfRepoError, ToolError, UsageError, type HalfErrorOptions } from '../../repo-tool/src/model/errors.js';

export { ConfigError, HalfRepoError, ToolError, UsageError, type HalfErrorOptions };

/**
 * half-syncd's exit statuses (half-syncd(8)). Configuration problems use sysexits' EX_CONFIG so
 * the systemd unit can stop restarting a daemon that cannot start (RestartPreventExitStatus=78).
 */
export const DaemonExit = {
  ok: 0,
  /** An unexpected failure (a bug): the message and stack are printed. */
  internal: 1,
  usage: 2,
  /** The kernel or the network refused what the daemon needs (EX_UNAVAILABLE). */
  unavailable: 69,
  /** half.conf, the cluster key or a path it names is invalid (EX_CONFIG). */
  config: 78,
} as const;
export type DaemonExit = (typeof DaemonExit)[keyof typeof DaemonExit];

/** A file `half configure` or `half join` renders could not be read or written; none was replaced. */
export class NodeFileError extends ToolError {}

/** A resource the daemon needs at start-up cannot be had (netlink, state directory, …). */
export class DaemonStartError extends HalfRepoError {}

/**
 * A sync link cannot open yet: its address or its interface is not on the node (an interface
 * that comes up late, an address still in duplicate address detection), or its port is taken.
 * Worth waiting for (half-syncd --address-wait); `awaiting` says what for.
 */
export class SyncLinkNotReadyError extends DaemonStartError {
  readonly awaiting: 'address' | 'interface' | 'port';
  constructor(message: string, awaiting: 'address' | 'interface' | 'port', options: HalfErrorOptions = {}) {
    super(message, options);
    this.awaiting = awaiting;
  }
}

/** A stop (SIGTERM, SIGINT) came while the daemon was starting: the start ended there, nothing left running. */
export class StartStoppedError extends DaemonStartError {}

/** The boot epoch file cannot be read or written: without it nonces could repeat. */
export class BootEpochError extends DaemonStartError {}
