// HALF's own files on a node (paths as the admin sees them, without `half configure --root`):
// half.conf, what `half configure` renders from it, and the registry of what it wrote. Here in
// the config layer, not in configure/, because the validator refuses a half.conf path key
// (resync-file, notify-fifo, …) that names one of them: keepalived's track_file init, or
// half-syncd making its fifo or socket, would overwrite it. Pure data.
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH } from './half-conf.js';

export const NODE_FILES = {
  halfConf: DEFAULT_CONFIG_PATH,
  keepalivedConf: '/etc/keepalived/keepalived.conf',
  /** Loaded by half-syncd.service (ExecStartPre=-half-syncd --load-table) before the daemon starts. */
  nftRules: '/etc/half/half.nft',
  /** iptables-restore --noflush input, for machines whose own rules are iptables. */
  iptablesV4: '/etc/half/iptables.rules',
  iptablesV6: '/etc/half/ip6tables.rules',
  sysctlConf: '/etc/sysctl.d/60-half.conf',
  /**
   * The checksum registry (generated-registry.ts). The package's own folder (/var/lib/<package>),
   * not half-syncd's StateDirectory (/var/lib/half), which `systemctl clean --what=state
   * half-syncd` or an admin resetting the daemon's state may empty: losing the registry makes
   * purge leave every generated file behind and `half configure` take its own keepalived.conf
   * for an admin's.
   */
  registry: '/var/lib/half-syncd/generated',
  /** Where earlier builds kept the registry: read beside it, removed once its hashes are in it. */
  legacyRegistry: '/var/lib/half/generated',
} as const;

/**
 * half-syncd's boot epoch in its default state directory (runtime/boot-epoch.ts; a test keeps
 * the two in step): half of every sync frame's nonce. Not rendered, but no path key may name it:
 * keepalived writing "1" over it (resync-file) left the epoch to the clock alone.
 */
export const BOOT_EPOCH_PATH = '/var/lib/half/boot-epoch';

/** What each of them is, for messages. */
const ROLES: Record<keyof typeof NODE_FILES, string> = {
  halfConf: 'half.conf',
  keepalivedConf: 'the keepalived.conf half configure writes',
  nftRules: 'the nftables rules half configure writes',
  iptablesV4: 'the iptables rules half configure writes',
  iptablesV6: 'the ip6tables rules half configure writes',
  sysctlConf: 'the sysctl file half configure writes',
  registry: 'the registry of the files half configure wrote',
  legacyRegistry: 'the registry of the files half configure wrote (its earlier place)',
};

/**
 * half.nft beside half.conf (NODE_FILES.nftRules for the default half.conf): what half configure
 * writes, and what the unit and the daemon load when it is there, for any `--config FILE`.
 */
export function nftFileBeside(configPath: string): string {
  return join(dirname(configPath), 'half.nft');
}

/** Where `half configure` puts its version of a file beside one an admin edited (write-plan.ts). */
export const BESIDE_SUFFIX = '.half';

/** The files half configure writes through its plan, so with a `.half` copy beside an edited one. */
const PLANNED: readonly (keyof typeof NODE_FILES)[] = ['keepalivedConf', 'nftRules', 'iptablesV4', 'iptablesV6', 'sysctlConf'];

/**
 * path → what it is, with the half.conf being read (`--config FILE`) when it is elsewhere, and
 * the `.half` copies half configure may write beside the files it plans.
 */
export function ownFiles(source: string): ReadonlyMap<string, string> {
  const files = new Map(Object.entries(NODE_FILES).map(([name, path]) => [path as string, ROLES[name as keyof typeof NODE_FILES]]));
  files.set(BOOT_EPOCH_PATH, "half-syncd's boot epoch (half of every sync frame's nonce)");
  for (const name of PLANNED) files.set(`${NODE_FILES[name]}${BESIDE_SUFFIX}`, `where half configure puts its version of ${ROLES[name]} beside an edited one`);
  // a relative --config was read from the working directory, and the path keys are absolute
  const configPath = resolve(source);
  if (!files.has(configPath)) {
    files.set(configPath, 'the half.conf being read');
    const nft = nftFileBeside(configPath);
    if (!files.has(nft)) {
      files.set(nft, ROLES.nftRules);
      files.set(`${nft}${BESIDE_SUFFIX}`, `where half configure puts its version of ${ROLES.nftRules} beside an edited one`);
    }
  }
  return files;
}
