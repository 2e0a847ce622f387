// half.conf and the debconf answers, both ways (the file is the master copy, as the debconf
// specification asks of config scripts): answersFromConf reads the answers back out of an
// existing file, and updateHalfConf writes answers into the file IN PLACE, replacing only the
// keys the questions own and keeping every other line, comment and key the admin wrote (and
// the admin's choice of `priority` over `role`, of `multicast-group` over `peers`).
// Syntax: docs/half.conf.5.md. Pure: text in, text out.
import type { ClusterSetting } from './cluster-settings.js';
import { ProblemList } from '../config/config-error.js';
import { DEFAULTS } from '../config/half-conf.js';
import { parseIni, sectionHeader, type IniEntry } from '../config/ini.js';
import type { Answers } from './answers.js';
import type { VipLine } from './vips-answer.js';

export interface ConfValues {
  readonly role: 'primary' | 'backup';
  readonly nodeId: number;
  readonly syncInterface: string;
  readonly syncAddress: string;
  readonly syncPeers: readonly string[];
  readonly routerId: number;
  readonly vips: readonly VipLine[];
  /** Cluster-wide keys the first node's join line carried (cluster-settings.ts). */
  readonly settings?: readonly ClusterSetting[];
}

const HEADER = [
  '# HALF node configuration, see half.conf(5). Written from the answers to `dpkg-reconfigure half-syncd`',
  '# (or `half join`); edit it freely: the answers update their own keys in place and keep the rest.',
  '# After editing, run `half configure` to render keepalived.conf, the nftables rules and the sysctls.',
];

/** The answers an existing half.conf implies (empty for keys it does not set). */
export function answersFromConf(text: string): Answers {
  // keys are case-insensitive, but a [vips] key names an interface as written: `check` and
  // keepalived look it up in that case (enP2p1s0 is not enp2p1s0)
  const keyOf = (section: string, e: IniEntry): string => (section === 'vips' ? e.name : e.key);
  const sections = new Map(parseIni(text, new ProblemList('half.conf')).map((s) => [s.name, new Map(s.entries.map((e) => [keyOf(s.name, e), e.value]))] as const));
  const get = (section: string, key: string): string | undefined => sections.get(section)?.get(key);
  const out: Answers = {};
  // the file's words in any case, as the validator reads them (`role = Backup` is a backup)
  const role = get('node', 'role')?.toLowerCase();
  const priority = Number(get('node', 'priority'));
  if (role === 'primary' || role === 'backup') out.role = role;
  else if (Number.isInteger(priority) && priority > 0) out.role = priority > DEFAULTS.backupPriority ? 'primary' : 'backup';
  const pairs: [keyof Answers, string, string][] = [
    ['node-id', 'node', 'id'],
    ['sync-interface', 'sync', 'interface'],
    ['sync-address', 'sync', 'address'],
    ['sync-peers', 'sync', 'peers'],
    ['router-id', 'vrrp', 'router-id'],
  ];
  for (const [question, section, key] of pairs) {
    const value = get(section, key);
    if (value !== undefined) out[question] = question === 'sync-peers' ? value.split(/[\s,]+/).filter((p) => p !== '').join(' ') : value;
  }
  // A key the file leaves out means its default (half.conf(5)).
  out['router-id'] ??= String(DEFAULTS.routerId);
  const vips = sections.get('vips');
  if (vips !== undefined && vips.size > 0) out.vips = [...vips].map(([name, value]) => `${name}=${value.split(/[\s,]+/).filter((v) => v !== '').join(' ')}`).join(' ');
  return out;
}

// Space as ini.ts counts it (ASCII space, tab, CR, VT, FF), and a value of any characters: a
// comment holding U+2028 or a lone CR left its line unmatched, and the key was added again (review).
const ENTRY = /^([ \t\r\v\f]*)([^ \t\r\v\f=#;[\]]+)([ \t\r\v\f]*=[ \t\r\v\f]*)(.*)$/s;

/** What an existing file says instead of a key the questions own: it keeps its own choice. */
interface FileChoices {
  /** [node] priority instead of role. */
  readonly priority: boolean;
  /** [sync] multicast-group instead of peers. */
  readonly multicast: boolean;
}

function fileChoices(existing: string | undefined): FileChoices {
  const sections = existing === undefined ? [] : parseIni(existing, new ProblemList('half.conf'));
  const has = (section: string, key: string): boolean => sections.some((s) => s.name === section && s.entries.some((e) => e.key === key));
  return { priority: has('node', 'priority'), multicast: has('sync', 'multicast-group') };
}

function managedKeys(values: ConfValues, choices: FileChoices): Map<string, [string, string][]> {
  const settings = values.settings ?? [];
  const multicast = choices.multicast || settings.some((s) => s.section === 'sync' && s.key === 'multicast-group');
  const peers: [string, string][] = multicast ? [] : [['peers', values.syncPeers.join(' ')]];
  const keys = new Map<string, [string, string][]>([
    ['node', [['id', String(values.nodeId)], ...(choices.priority ? [] : [['role', values.role] as [string, string]])]],
    ['sync', [['interface', values.syncInterface], ['address', values.syncAddress], ...peers]],
    ['vrrp', [['router-id', String(values.routerId)]]],
    ['vips', values.vips.map((v) => [v.interface, v.prefixes.map((p) => p.text).join(' ')])],
  ]);
  for (const { section, key, value } of settings) keys.set(section, [...(keys.get(section) ?? []), [key, value]]);
  return keys;
}

function withValue(line: string, value: string): string {
  const m = ENTRY.exec(line) as RegExpExecArray;
  const rest = m[4] as string;
  const comment = /[ \t\r\v\f][#;]/.exec(rest);
  const valuePart = comment === null ? rest : rest.slice(0, comment.index + 1);
  if (valuePart.trim() === value) return line;
  // Keep the admin's comment and the blanks before it.
  const tail = comment === null ? '' : `${/[ \t\r\v\f]+$/.exec(valuePart)?.[0] ?? ' '}${rest.slice(comment.index + 1)}`;
  return `${m[1]}${m[2]}${m[3]}${value}${tail}`;
}

/** Keys an existing file may leave out when the answer is their default. */
const DEFAULT_VALUES: ReadonlyMap<string, string> = new Map([['vrrp.router-id', String(DEFAULTS.routerId)]]);

/**
 * The new half.conf text: `existing` with the answers' keys set, or a fresh file. A key missing
 * from an existing file is added, unless the answer is the key's default.
 */
export function updateHalfConf(existing: string | undefined, values: ConfValues): string {
  // the file's own line ends (CRLF from an editor elsewhere) and byte order mark are kept, and
  // kept out of the lines matched here
  const bom = existing?.startsWith('\uFEFF') === true ? '\uFEFF' : '';
  const eol = existing?.includes('\r\n') === true ? '\r\n' : '\n';
  const lines = existing === undefined ? [...HEADER] : existing.slice(bom.length).replace(/\r?\n$/, '').split(/\r?\n/);
  const wanted = managedKeys(values, fileChoices(existing));
  const missingIsFine = (section: string, [key, value]: [string, string]): boolean => existing !== undefined && DEFAULT_VALUES.get(`${section}.${key}`) === value;
  // Per original line: what replaces it (itself by default), plus lines inserted after it.
  const out = lines.map((line) => [line]);
  const seenSections = new Set<string>();
  let section: string | undefined;
  let anchor = -1; // last header or entry line of the current section
  const finish = (): void => {
    if (section === undefined || !wanted.has(section)) return;
    const missing = (wanted.get(section) as [string, string][]).filter((kv) => !missingIsFine(section as string, kv));
    (out[anchor] as string[]).push(...missing.map(([k, v]) => `${k} = ${v}`));
    wanted.delete(section);
  };
  lines.forEach((line, i) => {
    const header = sectionHeader(line);
    if (header !== undefined) {
      finish();
      section = header;
      anchor = i;
      // A repeated section is invalid anyway; only the first one is edited.
      if (seenSections.has(section)) section = undefined;
      else seenSections.add(section);
      return;
    }
    const entry = ENTRY.exec(line);
    if (section === undefined || entry === null || /^\s*[#;]/.test(line)) return;
    anchor = i;
    const keys = wanted.get(section);
    if (keys === undefined) return;
    const key = (entry[2] as string).toLowerCase();
    // [vips] is keyed by interface name as written: a line of an interface the answers keep is
    // edited in place (its comment kept, untouched when its addresses are the same), one of an
    // interface they drop is removed
    const at = section === 'vips' ? keys.findIndex(([k]) => k === entry[2]) : keys.findIndex(([k]) => k === key);
    if (section === 'vips' && at < 0) {
      out[i] = [];
      return;
    }
    if (at < 0) return;
    out[i] = [withValue(line, (keys[at] as [string, string])[1])];
    keys.splice(at, 1);
  });
  finish();
  const text = out.flat();
  for (const [name, all] of wanted) {
    const keys = all.filter((kv) => !missingIsFine(name, kv));
    if (keys.length > 0) text.push('', `[${name}]`, ...keys.map(([k, v]) => `${k} = ${v}`));
  }
  return bom + text.join(eol) + eol;
}
