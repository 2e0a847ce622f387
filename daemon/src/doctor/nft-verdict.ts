// What the loaded nftables ruleset does with a probe packet on its way in (nft(8), "CHAINS":
// base chains at the ingress hook of the netdev and inet families, attached to the packet's
// device, then at the prerouting and input hooks of the ip/ip6/inet families, in priority order;
// "VERDICT STATEMENT": accept ends one base chain only, drop is final; jump returns, goto does
// not; a base chain's end applies its policy). Every base chain the packet meets must accept it.
// Rules the probe cannot decide (unknown source address, an unmodelled expression) make the
// answer `maybe`, naming the rule. Pure: a parsed ruleset and a packet in, a verdict out.
import { chainKey, type NftChain, type NftRule, type NftRuleset } from './nft-ruleset.js';
import { evaluateMatch, objectOf, type ProbePacket, type SetLookup, type Tri } from './nft-match.js';

type Terminal = { readonly verdict: 'accept' | 'drop' | 'return' | 'unknown'; readonly where: string };
type Path = Terminal | 'continue';

export interface PacketVerdict {
  readonly verdict: 'accepted' | 'dropped' | 'maybe';
  /** For dropped/maybe: the rule or policy responsible, e.g. `inet filter input: rule handle 7`. */
  readonly by?: string;
  /** For dropped/maybe: the base chain concerned, as nft names it (`inet filter input`). */
  readonly chain?: string;
  /** Base chains the packet passes through, in order. */
  readonly chains: readonly string[];
}

const HOOK_ORDER: Readonly<Record<string, number>> = { ingress: -1, prerouting: 0, input: 1 };
/** nftables refuses deeper jump chains; deeper here means a loop the evaluator will not follow. */
const MAX_DEPTH = 16;
/** Statements that neither decide nor filter. */
const PASSIVE = new Set(['counter', 'log', 'mangle', 'set', 'notrack', 'ct helper', 'ct timeout', 'ct expectation', 'xt-target-noop', 'continue']);
const NAT = new Set(['snat', 'dnat', 'masquerade', 'redirect']);

interface Ctx {
  readonly ruleset: NftRuleset;
  readonly packet: ProbePacket;
}

const ruleName = (chain: NftChain, rule: NftRule) => `${chain.family} ${chain.table} ${chain.name}: rule handle ${rule.handle}`;

function setsOf(ctx: Ctx, chain: NftChain): SetLookup {
  return (name) => ctx.ruleset.sets.get(chainKey(chain.family, chain.table, name));
}

function verdictPaths(ctx: Ctx, chain: NftChain, statement: Record<string, unknown>, where: string, depth: number): Path[] | undefined {
  if ('accept' in statement || [...NAT].some((k) => k in statement)) return [{ verdict: 'accept', where }];
  if ('drop' in statement || 'reject' in statement) return [{ verdict: 'drop', where }];
  if ('return' in statement) return [{ verdict: 'return', where }];
  if ('queue' in statement) return [{ verdict: 'unknown', where: `${where} (queue to user space)` }];
  const jump = objectOf(statement['jump'] ?? statement['goto']);
  if (jump !== undefined && typeof jump['target'] === 'string') {
    const target = ctx.ruleset.chains.get(chainKey(chain.family, chain.table, jump['target']));
    if (target === undefined || depth >= MAX_DEPTH) return [{ verdict: 'unknown', where: `${where} (jump to ${jump['target']})` }];
    const inner = walk(ctx, target, depth + 1);
    if ('goto' in statement) return inner;
    return inner.map((path) => (path !== 'continue' && path.verdict === 'return' ? 'continue' : path));
  }
  return undefined;
}

function vmapPaths(ctx: Ctx, chain: NftChain, vmap: Record<string, unknown>, where: string, depth: number): Path[] {
  const sets = setsOf(ctx, chain);
  let data = vmap['data'];
  if (typeof data === 'string' && data.startsWith('@')) data = sets(data.slice(1));
  const pairs = Array.isArray(data) ? data : Array.isArray((data as { set?: unknown } | null)?.set) ? ((data as { set: unknown[] }).set) : undefined;
  if (pairs === undefined) return [{ verdict: 'unknown', where }, 'continue'];
  const paths: Path[] = [];
  let certain = false;
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const hit = evaluateMatch({ op: '==', left: vmap['key'], right: pair[0] }, ctx.packet, sets);
    if (hit === 'no') continue;
    const verdict = typeof pair[1] === 'object' && pair[1] !== null ? verdictPaths(ctx, chain, pair[1] as Record<string, unknown>, where, depth) : undefined;
    paths.push(...(verdict ?? [{ verdict: 'unknown', where }]));
    if (hit === 'yes') {
      certain = true;
      break;
    }
  }
  return certain ? paths : [...paths, 'continue'];
}

/** The paths a rule can take: terminal verdicts and/or 'continue' to the next rule. */
function rulePaths(ctx: Ctx, chain: NftChain, rule: NftRule, depth: number): Path[] {
  const where = ruleName(chain, rule);
  let certainty: Tri = 'yes';
  for (const item of rule.expr) {
    if (typeof item !== 'object' || item === null) continue;
    const statement = item as Record<string, unknown>;
    let paths: Path[] | undefined;
    if ('match' in statement) {
      const answer = evaluateMatch(statement['match'], ctx.packet, setsOf(ctx, chain));
      if (answer === 'no') return ['continue'];
      if (answer === 'unknown') certainty = 'unknown';
      continue;
    }
    if ('vmap' in statement) paths = vmapPaths(ctx, chain, objectOf(statement['vmap']) ?? {}, where, depth);
    else paths = verdictPaths(ctx, chain, statement, where, depth);
    if (paths !== undefined) return certainty === 'yes' ? paths : [...paths, 'continue'];
    if (!Object.keys(statement).some((key) => PASSIVE.has(key))) certainty = 'unknown';
  }
  return ['continue'];
}

function walk(ctx: Ctx, chain: NftChain, depth: number): Path[] {
  const outcomes: Path[] = [];
  for (const rule of chain.rules) {
    const paths = rulePaths(ctx, chain, rule, depth);
    outcomes.push(...paths.filter((p) => p !== 'continue'));
    if (!paths.includes('continue')) return outcomes;
  }
  return [...outcomes, { verdict: 'return', where: `${chain.family} ${chain.table} ${chain.name}: end of chain` }];
}

/**
 * Base chains a packet of this family meets on its way in, in hook and priority order. Ingress
 * chains (netdev, inet) only when attached to the packet's device, or to any device when the
 * packet's is not known.
 */
export function inputChains(ruleset: NftRuleset, family: 4 | 6, iifname?: string): NftChain[] {
  const families = new Set(['inet', family === 4 ? 'ip' : 'ip6']);
  const meets = (c: NftChain): boolean => {
    if (c.hook === 'ingress') return (c.family === 'netdev' || c.family === 'inet') && (iifname === undefined || c.devices === undefined || c.devices.includes(iifname));
    return c.hook !== undefined && c.hook in HOOK_ORDER && families.has(c.family);
  };
  return [...ruleset.chains.values()]
    .filter(meets)
    .sort((a, b) => (HOOK_ORDER[a.hook ?? ''] ?? 0) - (HOOK_ORDER[b.hook ?? ''] ?? 0) || a.prio - b.prio);
}

/** What happens to `packet`: accepted by every base chain, dropped by one, or undecidable. */
export function evaluatePacket(ruleset: NftRuleset, packet: ProbePacket): PacketVerdict {
  const chains = inputChains(ruleset, packet.family, packet.iifname);
  const ctx: Ctx = { ruleset, packet };
  let maybe: { by: string; chain: string } | undefined;
  for (const chain of chains) {
    const name = `${chain.family} ${chain.table} ${chain.name}`;
    const outcomes = walk(ctx, chain, 0).map((path) => {
      const t = path as Terminal;
      return t.verdict === 'return' ? { verdict: chain.policy, where: `${name}: policy ${chain.policy}` } : t;
    });
    const drop = outcomes.find((o) => o.verdict === 'drop');
    const other = outcomes.find((o) => o.verdict !== 'accept');
    // an ingress chain whose device is not known (nft 1.0.6 leaves it out of its JSON), or a
    // packet whose device is not: the chain may not see the packet
    const unsure = chain.hook === 'ingress' && (packet.iifname === undefined || chain.devices === undefined);
    if (drop !== undefined && outcomes.every((o) => o.verdict === 'drop')) {
      if (!unsure) return { verdict: 'dropped', by: drop.where, chain: name, chains: chains.map(label) };
      maybe ??= { by: `${drop.where} (for packets that come in on ${chain.devices?.join(', ') ?? 'its device, which nft does not say'})`, chain: name };
      continue;
    }
    if (other !== undefined && maybe === undefined) maybe = { by: describeMaybe(outcomes), chain: name };
  }
  return maybe === undefined ? { verdict: 'accepted', chains: chains.map(label) } : { verdict: 'maybe', ...maybe, chains: chains.map(label) };
}

function describeMaybe(outcomes: readonly Terminal[]): string {
  const drop = outcomes.find((o) => o.verdict === 'drop' || o.verdict === 'unknown');
  const accept = outcomes.find((o) => o.verdict === 'accept');
  return accept === undefined ? (drop?.where ?? 'unknown') : `${accept.where} or ${drop?.where ?? 'unknown'}`;
}

const label = (c: NftChain) => `${c.family} ${c.table} ${c.name} (${c.hook}${c.devices === undefined ? '' : ` ${c.devices.join(', ')}`}, priority ${c.prio}, policy ${c.policy})`;
