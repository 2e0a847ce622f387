// half-syncd from the command line to the exit status: arguments, configuration (all of it
// validated before anything starts: an invalid half.conf or cluster key exits 78 naming the key,
// with nothing opened), the daemon, signals, and the one catch that maps errors to exit statuses
// and messages with their fix. Signals: TERM and INT stop cleanly; HUP checks that HALF's
// nftables table is loaded and loads it again if not (half.conf is read at start only: restart
// to apply it); a second TERM/INT during the stop ends the process at once.
import { loadClusterKey } from '../config/cluster-key.js';
import { WRITABLE_DIRS } from '../config/half-conf.js';
import { loadHalfConf } from '../config/load-config.js';
import { HALF_VERSION } from '../cli/version.js';
import { ConfigError, DaemonExit, DaemonStartError, HalfRepoError, StartStoppedError, UsageError } from '../errors.js';
import { FilterConfigError, KernelError } from '../kernel/errors.js';
import { createLogger, type Logger } from '../metrics/logger.js';
import { DAEMON_USAGE, parseDaemonArgs } from './daemon-args.js';
import { startDaemon, type RunningDaemon } from './daemon.js';
import { holdEarlyHup, releaseEarlyHup } from './early-hup.js';
import { checkNftFile, guardSetsHint, loadNftTableOnce, missingGuardSets } from './load-table.js';

export interface SyncdIo {
  out(text: string): void;
  err(text: string): void;
}

export function exitStatusFor(error: unknown): DaemonExit {
  if (error instanceof UsageError) return DaemonExit.usage;
  if (error instanceof ConfigError || error instanceof FilterConfigError) return DaemonExit.config;
  if (error instanceof DaemonStartError || error instanceof KernelError || error instanceof HalfRepoError) return DaemonExit.unavailable;
  return DaemonExit.internal;
}

export function describeFailure(error: unknown): string {
  if (error instanceof HalfRepoError || error instanceof KernelError) {
    const hint = error.hint === undefined ? '' : `\n  fix: ${error.hint}`;
    return `half-syncd: ${error.message}${hint}\n`;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `half-syncd: unexpected error: ${text}\n`;
}

/** Resolves with the signal that asked the daemon to stop; HUP calls `onHup`. */
function stopSignal(logger: Logger, onHup: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let asked = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (asked) {
        logger.warn('second stop signal: exiting at once', { signal });
        process.exit(DaemonExit.internal);
      }
      asked = true;
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: checking table inet half (half.conf is read only at start: restart half-syncd to apply changes)');
      onHup();
    });
    releaseEarlyHup();
  });
}

/** Runs half-syncd; resolves with its exit status once it has stopped. */
export async function runSyncd(argv: readonly string[], io: SyncdIo): Promise<DaemonExit> {
  holdEarlyHup(); // on already when run by main.ts (early-hup.ts); runs in-process in tests
  try {
    const args = parseDaemonArgs(argv);
    if (args.help) {
      io.out(DAEMON_USAGE);
      return DaemonExit.ok;
    }
    if (args.version) {
      io.out(`half-syncd ${HALF_VERSION}\n`);
      return DaemonExit.ok;
    }
    // resync-file may also be in the state directory this half-syncd was given (tests run it in
    // a temporary one): whoever passes --state-dir decides where half-syncd writes.
    const validate = { writableDirs: [...WRITABLE_DIRS, `${args.stateDir.replace(/\/+$/, '')}/`] };
    if (args.loadTable) {
      // A failure is said here and, at start, again by the daemon (load-table.ts)
      io.out(await loadNftTableOnce(args.config, ['nft'], validate));
      return DaemonExit.ok;
    }
    const config = await loadHalfConf(args.config, validate);
    const clusterKey = await loadClusterKey(config.sync.keyFile);
    if (args.check) {
      io.out(`${config.source}: valid (node ${config.node.id}, ${config.sync.links.length} sync link(s), mode ${config.daemon.mode}); cluster key ${config.sync.keyFile}: valid\n`);
      return DaemonExit.ok;
    }
    await checkNftFile(args.config);
    const logger = createLogger();
    process.on('uncaughtException', (error) => {
      logger.error('unexpected error, exiting', { error: error.stack ?? error.message });
      process.exit(DaemonExit.internal);
    });
    process.on('unhandledRejection', (reason) => {
      logger.error('unexpected error, exiting', { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
      process.exit(DaemonExit.internal);
    });
    logger.info('half-syncd starting', { version: HALF_VERSION, config: config.source, node: config.node.id, pid: process.pid });
    const missing = await missingGuardSets(args.config);
    if (missing.length > 0) {
      // replication still runs: a takeover without its guard may draw resets, without replication it loses every connection
      logger.error(`half.nft declares no set ${missing.join(' or ')} in table inet half: the takeover guard cannot be set, and a takeover commits unguarded`, { fix: guardSetsHint(args.config) });
    }
    let daemon: RunningDaemon | undefined;
    const signal = stopSignal(logger, () => void daemon?.checkNftTable('SIGHUP'));
    // a stop while starting (the wait for the sync address may be long) ends the start, exit 0
    const starting = new AbortController();
    void signal.then(() => starting.abort());
    try {
      daemon = await startDaemon({ config, clusterKey, stateDir: args.stateDir, version: HALF_VERSION, logger, addressWaitMs: args.addressWaitSeconds * 1000, abort: starting.signal });
    } catch (error) {
      if (!(error instanceof StartStoppedError)) throw error;
      logger.info(`half-syncd stopped (${await signal}) while starting: ${error.message}`);
      return DaemonExit.ok;
    }
    await daemon.stop(await signal);
    return DaemonExit.ok;
  } catch (error) {
    io.err(describeFailure(error));
    return exitStatusFor(error);
  } finally {
    releaseEarlyHup(); // returned early (help, version, a bad config) or stopped
  }
}

