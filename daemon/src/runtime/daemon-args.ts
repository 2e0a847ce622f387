// half-syncd's command line (half-syncd(8)). The daemon always runs in the foreground (systemd
// Type=exec/simple, logs on stdout); `--foreground` is accepted for scripts written for daemons
// that fork. Pure: argv in, options out; a UsageError names the problem.
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../config/half-conf.js';
import { UsageError } from '../errors.js';

/** Where the boot epoch is kept across restarts (systemd StateDirectory=half). */
export const DEFAULT_STATE_DIR = '/var/lib/half';
/** How long a start waits for a sync address that is not on the node yet. */
export const DEFAULT_ADDRESS_WAIT_SECONDS = 30;

export interface DaemonArgs {
  readonly config: string;
  readonly stateDir: string;
  readonly addressWaitSeconds: number;
  /** Validate half.conf and the cluster key, print the result, start nothing. */
  readonly check: boolean;
  /** Load HALF's nftables table (the unit's ExecStartPre= and ExecStopPost=), start nothing. */
  readonly loadTable: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

export const DAEMON_USAGE = [
  'usage: half-syncd [--config FILE] [--state-dir DIR] [--address-wait SECONDS] [--foreground] [--check | --load-table]',
  '',
  'Replicates the conntrack table between the nodes of a HALF cluster (see half-syncd(8)).',
  '',
  'options:',
  `  -c, --config FILE     half.conf to read (default ${DEFAULT_CONFIG_PATH})`,
  `      --state-dir DIR   where the boot epoch is kept (default ${DEFAULT_STATE_DIR})`,
  `      --address-wait S  how long to wait for a sync address not on this node yet (default ${DEFAULT_ADDRESS_WAIT_SECONDS})`,
  '  -f, --foreground      accepted for compatibility: half-syncd never forks',
  '      --check           validate the configuration and the cluster key, then exit',
  '      --load-table      load table inet half (half.nft beside half.conf, else its rendering), then exit',
  '  -h, --help            this help',
  '  -V, --version         print the version',
  '',
  'signals: TERM/INT stop cleanly; HUP loads table inet half again if it is gone (not half.conf: restart to apply a new one).',
  'exit status: 0 stopped cleanly, 1 unexpected error, 2 bad command line,',
  '             69 kernel or network unavailable, 78 invalid configuration.',
  '',
].join('\n');

/** Parses argv (without node and the script). */
export function parseDaemonArgs(argv: readonly string[]): DaemonArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        'state-dir': { type: 'string' },
        'address-wait': { type: 'string' },
        foreground: { type: 'boolean', short: 'f' },
        check: { type: 'boolean' },
        'load-table': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, { hint: 'see half-syncd --help' });
  }
  const v = parsed.values;
  for (const [name, value] of [['--config', v.config], ['--state-dir', v['state-dir']]] as const) {
    if (value !== undefined && value.trim() === '') throw new UsageError(`${name} needs a path`, { hint: 'see half-syncd --help' });
  }
  if (v.check === true && v['load-table'] === true) throw new UsageError('--check and --load-table exclude each other', { hint: 'give one of them (see half-syncd --help)' });
  const wait = v['address-wait'] ?? String(DEFAULT_ADDRESS_WAIT_SECONDS);
  if (!/^\d{1,4}$/.test(wait)) throw new UsageError(`--address-wait ${wait} is not whole seconds (0-9999)`, { hint: 'see half-syncd --help' });
  return {
    config: v.config ?? DEFAULT_CONFIG_PATH,
    stateDir: v['state-dir'] ?? DEFAULT_STATE_DIR,
    addressWaitSeconds: Number(wait),
    check: v.check === true,
    loadTable: v['load-table'] === true,
    help: v.help === true,
    version: v.version === true,
  };
}
