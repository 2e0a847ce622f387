// The repository's layout and policies: which suites, components and architectures it serves
// and how long it keeps what clients may still ask for. Defaults serve Debian 12 and 13 from
// component `half`; `half-repo.json` in the project root may override any key
// (config-load.ts). Validation names the key and says what would be accepted.
import { ConfigError } from '../model/errors.js';

export interface SuiteConfig {
  /** Directory under dists/ and the Release's Codename, e.g. `trixie`. */
  readonly codename: string;
  /** The Release's Suite, e.g. `stable`; dists/<suite> is a symlink to dists/<codename>. */
  readonly suite: string;
  /** The Release's Version, e.g. `13`. */
  readonly version?: string;
}

export interface RepoConfig {
  readonly origin: string;
  readonly label: string;
  readonly description: string;
  readonly suites: readonly SuiteConfig[];
  readonly components: readonly string[];
  /** Architectures of binary-<arch> indexes; `all` adds binary-all (arch-all packages are in every one). */
  readonly architectures: readonly string[];
  /** Valid-Until is Date plus this many seconds; null for no Valid-Until. */
  readonly validFor: number | null;
  /** Seconds a by-hash file stays after no Release lists it (clients holding an older InRelease). */
  readonly byHashRetention: number;
  /** Seconds a pool file stays after no index lists it. */
  readonly poolGrace: number;
  /** Versions of each package (per suite, component and architecture) the indexes list. */
  readonly keepVersions: number;
  /**
   * The repository's public URL (what admins put in URIs:), or null. With it, half-archive-keyring
   * ships the apt source and `build` prints the exact lines; without, `build` prints a file: URI.
   */
  readonly url: string | null;
}

const DAY = 24 * 60 * 60;

export const defaultRepoConfig: RepoConfig = {
  origin: 'HALF',
  label: 'HALF',
  description: 'HALF: High Availability Linux Firewall packages',
  suites: [
    { codename: 'bookworm', suite: 'oldstable', version: '12' },
    { codename: 'trixie', suite: 'stable', version: '13' },
  ],
  components: ['half'],
  architectures: ['amd64', 'all'],
  validFor: null,
  byHashRetention: 2 * DAY,
  poolGrace: 2 * DAY,
  keepVersions: 3,
  url: null,
};

const NAME = /^[a-z0-9][a-z0-9.+-]*$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;
const KEYS = new Set(Object.keys(defaultRepoConfig));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates `raw` (parsed JSON: any subset of RepoConfig's keys) and merges it over the
 * defaults. Throws one ConfigError that lists every problem, each naming its key.
 */
export function validateRepoConfig(raw: unknown, source: string): RepoConfig {
  const problems: string[] = [];
  if (!isRecord(raw)) throw new ConfigError(`${source}: must hold a JSON object`, { hint: 'e.g. {"architectures": ["amd64", "arm64", "all"]}' });
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) problems.push(`"${key}" is not a setting (known: ${[...KEYS].join(', ')})`);
  const text = (key: string): string => {
    const v = raw[key] ?? defaultRepoConfig[key as keyof RepoConfig];
    if (typeof v !== 'string' || v.trim() === '' || /[\n\r]/.test(v)) problems.push(`"${key}" must be a non-empty single-line string`);
    // InRelease's signed text drops trailing spaces (RFC 9580 §7.2), Release keeps them: apt would
    // see two origins (or labels) depending on the file it fetched
    else if (v !== v.trim()) problems.push(`"${key}" must not start or end with a space`);
    return String(v);
  };
  const seconds = (key: string, allowNone: boolean): number | null => {
    const v = key in raw ? raw[key] : defaultRepoConfig[key as keyof RepoConfig];
    if (allowNone && (v === null || v === 'none')) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowNone ? 1 : 0)) {
      problems.push(`"${key}" must be a whole number of seconds${allowNone ? ' (at least 1), or null / "none"' : ' (0 or more)'}`);
      return 0;
    }
    return v;
  };
  const names = (key: string, pattern: RegExp): string[] => {
    const v = raw[key] ?? defaultRepoConfig[key as keyof RepoConfig];
    if (!Array.isArray(v) || v.length === 0) {
      problems.push(`"${key}" must be a non-empty list of names`);
      return [];
    }
    v.forEach((item, i) => {
      if (typeof item !== 'string' || !pattern.test(item)) problems.push(`"${key}[${i}]" must be a lowercase name matching ${pattern.source}`);
    });
    if (new Set(v).size !== v.length) problems.push(`"${key}" lists a name twice`);
    return v.map(String);
  };
  const suites: SuiteConfig[] = [];
  const rawSuites = raw['suites'] ?? defaultRepoConfig.suites;
  if (!Array.isArray(rawSuites) || rawSuites.length === 0) problems.push('"suites" must be a non-empty list of {"codename", "suite", "version"?}');
  else {
    rawSuites.forEach((s: unknown, i) => {
      if (!isRecord(s)) return void problems.push(`"suites[${i}]" must be an object {"codename", "suite", "version"?}`);
      for (const k of Object.keys(s)) if (!['codename', 'suite', 'version'].includes(k)) problems.push(`"suites[${i}].${k}" is not a suite setting`);
      for (const k of ['codename', 'suite'] as const) if (typeof s[k] !== 'string' || !NAME.test(s[k])) problems.push(`"suites[${i}].${k}" must be a lowercase name matching ${NAME.source}`);
      if (s['version'] !== undefined && (typeof s['version'] !== 'string' || !/^[0-9A-Za-z.~+-]+$/.test(s['version']))) problems.push(`"suites[${i}].version" must be a version string such as "13"`);
      suites.push({ codename: String(s['codename']), suite: String(s['suite']), ...(s['version'] !== undefined ? { version: String(s['version']) } : {}) });
    });
    const seen = new Map<string, number>();
    suites.forEach((s, i) => {
      for (const name of new Set([s.codename, s.suite])) {
        const other = seen.get(name);
        if (other !== undefined) problems.push(`"suites[${i}]" reuses the name "${name}" of "suites[${other}]": every codename and suite name must be unique`);
        seen.set(name, i);
      }
    });
  }
  const architectures = names('architectures', ARCH);
  if (architectures.length > 0 && architectures.every((a) => a === 'all')) problems.push('"architectures" needs at least one real architecture besides "all" (apt ignores a repository without its own architecture)');
  const keep = raw['keepVersions'] ?? defaultRepoConfig.keepVersions;
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 1) problems.push('"keepVersions" must be a whole number, at least 1');
  const url = raw['url'] ?? null;
  if (url !== null && (typeof url !== 'string' || !isRepoUrl(url))) {
    problems.push('"url" must be an http://, https:// or file:// URL without spaces, or null');
  }
  const config: RepoConfig = {
    origin: text('origin'),
    label: text('label'),
    description: text('description'),
    suites,
    components: names('components', NAME),
    architectures,
    validFor: seconds('validFor', true),
    byHashRetention: seconds('byHashRetention', false) ?? 0,
    poolGrace: seconds('poolGrace', false) ?? 0,
    keepVersions: Number(keep),
    url: typeof url === 'string' ? (url.endsWith('/') ? url : `${url}/`) : null,
  };
  if (problems.length > 0) {
    throw new ConfigError(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`, {
      hint: 'fix the setting, or remove it to use the default',
    });
  }
  return config;
}

/** An http://, https:// or file:// URL without spaces: what apt's sources take as the repository's address. */
export function isRepoUrl(url: string): boolean {
  return /^(https?|file):\/\/[^\s]+$/.test(url);
}
