// The half.conf settings every node of a cluster must share beyond the debconf questions (the
// sync port or multicast group, how and how often VRRP adverts go, preemption, the filter, the
// mode): the first node's join line carries those its half.conf sets, as `--set SECTION.KEY=VALUE`,
// and `half join` writes them into the next node's half.conf. A joined node with another sync port
// or advert path than the first would not hear it, and both would become MASTER. Pure.
import { ProblemList } from '../config/config-error.js';
import { parseIni } from '../config/ini.js';

export interface ClusterSetting {
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

export const CLUSTER_KEYS: readonly string[] = [
  'sync.port', 'sync.multicast-group',
  'vrrp.adverts', 'vrrp.advert-interval', 'vrrp.preempt',
  'filter.ignore', 'filter.protocols', 'filter.tcp-states',
  'daemon.mode',
];

/** What a join line needs from the first node's (valid) half.conf text beyond its validated values. */
export interface JoinExtras {
  /** The cluster-wide settings it sets, in CLUSTER_KEYS order. */
  readonly settings: readonly ClusterSetting[];
  /** Whether it has [sync2], which a join line cannot carry (its interface and address are each node's own). */
  readonly secondLink: boolean;
}

export function joinExtrasOf(text: string): JoinExtras {
  const sections = parseIni(text, new ProblemList('half.conf'));
  const settings = CLUSTER_KEYS.flatMap((name) => {
    const [section, key] = name.split('.') as [string, string];
    const entry = sections.find((s) => s.name === section)?.entries.find((e) => e.key === key);
    return entry === undefined ? [] : [{ section, key, value: entry.value }];
  });
  return { settings, secondLink: sections.some((s) => s.name === 'sync2') };
}

export function formatSetting(setting: ClusterSetting): string {
  return `${setting.section}.${setting.key}=${setting.value}`;
}

/** `SECTION.KEY=VALUE` of a cluster-wide key; a string says what is wrong. */
export function parseSetting(word: string): ClusterSetting | string {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)=(.*)$/i.exec(word.trim());
  if (m === null) return `"${word}" is not SECTION.KEY=VALUE`;
  const name = `${(m[1] as string).toLowerCase()}.${(m[2] as string).toLowerCase()}`;
  if (!CLUSTER_KEYS.includes(name)) return `${name} is not a setting the join line carries (it carries ${CLUSTER_KEYS.join(', ')})`;
  const value = (m[3] as string).trim();
  if (value === '' || /[\r\n]/.test(value)) return `${name} has no value`;
  const [section, key] = name.split('.') as [string, string];
  return { section, key, value };
}
