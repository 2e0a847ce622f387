// `nft -j list ruleset` output → the chains, rules and named sets the doctor evaluates. Format:
// libnftables-json(5) (nftables 1.0.6): a top-level {"nftables": [...]} array of objects each
// holding one of metainfo, table, chain, rule, set, map, element... Only what the evaluator needs
// is kept; rule expressions stay as the JSON nft printed. Never throws: input it cannot read gives
// a result with the reason.

export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export interface NftRule {
  readonly handle: number;
  /** The rule's statements, as libnftables-json prints them. */
  readonly expr: readonly unknown[];
}

export interface NftChain {
  readonly family: NftFamily;
  readonly table: string;
  readonly name: string;
  /** Base chains only: hook, type, priority and policy. */
  readonly hook: string | undefined;
  readonly type: string | undefined;
  readonly prio: number;
  readonly policy: 'accept' | 'drop';
  /** Ingress chains: the devices they are attached to. */
  readonly devices?: readonly string[];
  readonly rules: NftRule[];
}

export interface NftRuleset {
  /** By chainKey(family, table, name), in the order nft listed them. */
  readonly chains: Map<string, NftChain>;
  /** Named sets' elements (undefined when nft did not list them), by chainKey(family, table, name). */
  readonly sets: Map<string, readonly unknown[] | undefined>;
  /** nft's version, from metainfo. */
  readonly version: string | undefined;
}

export function chainKey(family: string, table: string, name: string): string {
  return `${family} ${table} ${name}`;
}

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

type Item = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export type NftParseResult = { readonly ok: true; readonly ruleset: NftRuleset } | { readonly ok: false; readonly reason: string };

/** Parses the text of `nft -j list ruleset`. */
export function parseNftJson(text: string): NftParseResult {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'nft -j printed something that is not JSON' };
  }
  const items = (root as { nftables?: unknown } | null)?.nftables;
  if (!Array.isArray(items)) return { ok: false, reason: 'nft -j output has no "nftables" array' };
  const ruleset: NftRuleset = { chains: new Map(), sets: new Map(), version: undefined };
  let version: string | undefined;
  const pendingRules: Item[] = [];
  for (const item of items as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const entry = item as Item;
    if (typeof entry['metainfo'] === 'object' && entry['metainfo'] !== null) version = str((entry['metainfo'] as Item)['version']);
    const chain = entry['chain'] as Item | undefined;
    if (typeof chain === 'object' && chain !== null) addChain(ruleset, chain);
    const rule = entry['rule'] as Item | undefined;
    if (typeof rule === 'object' && rule !== null) pendingRules.push(rule);
    const set = (entry['set'] ?? entry['map']) as Item | undefined;
    if (typeof set === 'object' && set !== null && !Array.isArray(set)) addSet(ruleset, set);
  }
  for (const rule of pendingRules) {
    const family = str(rule['family']);
    const table = str(rule['table']);
    const chain = str(rule['chain']);
    if (family === undefined || table === undefined || chain === undefined) continue;
    const target = ruleset.chains.get(chainKey(family, table, chain));
    if (target === undefined) continue;
    target.rules.push({ handle: typeof rule['handle'] === 'number' ? rule['handle'] : -1, expr: Array.isArray(rule['expr']) ? rule['expr'] : [] });
  }
  return { ok: true, ruleset: { ...ruleset, version } };
}

function addChain(ruleset: NftRuleset, chain: Item): void {
  const family = str(chain['family']);
  const table = str(chain['table']);
  const name = str(chain['name']);
  if (family === undefined || !FAMILIES.has(family) || table === undefined || name === undefined) return;
  ruleset.chains.set(chainKey(family, table, name), {
    family: family as NftFamily,
    table,
    name,
    hook: str(chain['hook']),
    type: str(chain['type']),
    prio: typeof chain['prio'] === 'number' ? chain['prio'] : 0,
    policy: chain['policy'] === 'drop' ? 'drop' : 'accept',
    ...devicesOf(chain['dev']),
    rules: [],
  });
}

function addSet(ruleset: NftRuleset, set: Item): void {
  const family = str(set['family']);
  const table = str(set['table']);
  const name = str(set['name']);
  if (family === undefined || table === undefined || name === undefined) return;
  const elem = set['elem'];
  ruleset.sets.set(chainKey(family, table, name), Array.isArray(elem) ? elem : typeof set['elem'] === 'undefined' ? [] : undefined);
}

/** A chain's `dev`: one device name or a list of them (libnftables-json(5), CHAIN). */
function devicesOf(dev: unknown): { devices?: readonly string[] } {
  if (typeof dev === 'string') return { devices: [dev] };
  if (Array.isArray(dev)) return { devices: dev.filter((d): d is string => typeof d === 'string') };
  return {};
}
