// Firewall checks of `half doctor`: would the loaded nftables ruleset let in the VRRP adverts
// (IP protocol 112, RFC 5798) and the sync datagrams (UDP, half.conf [sync] port) of the peers?
// Each configured path becomes a probe packet run through nft-verdict.ts; a base chain that drops
// one (a drop rule, or policy drop with no accept before it) is a FAIL naming the chain and rule.
// Pure. Rules of iptables-legacy are not visible to nft and are not judged here.
import { GUARD_SETS, NFT_TABLE, VRRP_PROTOCOL } from '../config/nft-ruleset.js';
import { DEFAULTS } from '../config/half-conf.js';
import { fail, ok, skip, warn, type CheckResult } from './check-result.js';
import type { ConfiguredPath, DoctorFacts } from './facts.js';
import { chainKey } from './nft-ruleset.js';
import type { ProbePacket } from './nft-match.js';
import { evaluatePacket } from './nft-verdict.js';

interface Probe {
  readonly packet: ProbePacket;
  /** e.g. `VRRP from 203.0.113.2 on sync0`. */
  readonly what: string;
  /** The match that accepts it, for the fix. */
  readonly accept: string;
}

const VRRP_GROUP = { 4: '224.0.0.18', 6: 'ff02::12' } as const;

function pathPacket(path: ConfiguredPath, base: Pick<ProbePacket, 'l4proto' | 'sport' | 'dport'>): ProbePacket {
  return {
    ...base,
    family: path.family,
    iifname: path.interface,
    ...(path.peer === undefined ? {} : { saddr: path.peer }),
    ...(path.destination === undefined ? {} : { daddr: path.destination }),
    pkttype: path.multicast ? 'multicast' : 'host',
  };
}

const from = (path: ConfiguredPath) => `${path.peer === undefined ? '' : ` from ${path.peer}`} on ${path.interface}`;

export function vrrpProbes(facts: DoctorFacts): Probe[] {
  const accept = (ifname?: string) => `${ifname === undefined ? '' : `iifname "${ifname}" `}meta l4proto vrrp accept`;
  if (facts.config.state !== 'ok') {
    return [{ packet: { family: 4, l4proto: VRRP_PROTOCOL, daddr: VRRP_GROUP[4], pkttype: 'multicast' }, what: 'VRRP (protocol 112)', accept: accept() }];
  }
  return facts.config.vrrpPaths.map((path) => ({
    packet: pathPacket(path, { l4proto: VRRP_PROTOCOL }),
    what: `VRRP (protocol 112)${from(path)}`,
    accept: accept(path.interface),
  }));
}

export function syncProbes(facts: DoctorFacts): Probe[] {
  const port = facts.config.state === 'ok' ? facts.config.syncPort : DEFAULTS.syncPort;
  const accept = (ifname?: string) => `${ifname === undefined ? '' : `iifname "${ifname}" `}udp dport ${port} accept`;
  if (facts.config.state !== 'ok') {
    return [{ packet: { family: 4, l4proto: 17, sport: port, dport: port }, what: `sync traffic (UDP port ${port})`, accept: accept() }];
  }
  return facts.config.syncPaths.map((path) => ({
    packet: pathPacket(path, { l4proto: 17, sport: port, dport: port }),
    what: `sync traffic (UDP port ${port})${from(path)}`,
    accept: accept(path.interface),
  }));
}

function judge(id: string, facts: DoctorFacts, probes: readonly Probe[]): CheckResult {
  const { ruleset } = facts;
  if (ruleset.state !== 'ok') return skip(id, `firewall not checked: ${ruleset.reason}`);
  const unknownConfig = facts.config.state === 'ok' ? '' : ' (half.conf not readable: interfaces and peers unknown)';
  const doubts: CheckResult[] = [];
  let filtered = false;
  for (const probe of probes) {
    const verdict = evaluatePacket(ruleset.ruleset, probe.packet);
    const fix = `allow it before anything drops it, e.g. nft insert rule ${verdict.chain ?? 'inet filter input'} ${probe.accept}${facts.config.state === 'ok' ? ' (half.conf(5), "firewall")' : ''}`;
    if (verdict.verdict === 'dropped') return fail(id, `${probe.what} is dropped by ${verdict.by ?? 'the ruleset'}${unknownConfig}`, fix);
    if (verdict.verdict === 'maybe') doubts.push(warn(id, `${probe.what} may be dropped: it depends on ${verdict.by ?? 'a rule'}, which the doctor cannot decide${unknownConfig}`, `check that rule; to be sure, ${fix}`));
    filtered ||= verdict.chains.length > 0;
  }
  const [first] = doubts;
  if (first !== undefined) return first;
  const what = probes.map((p) => p.what).join('; ');
  // iptables-legacy's tables are not in nft's ruleset: what they drop is not seen here (review)
  const legacy = facts.legacyIptables ?? [];
  if (legacy.length > 0) {
    return warn(id, `${what}: ${filtered ? 'accepted by every nftables input chain' : 'no nftables input chain filters it'}, but iptables-legacy tables are in use (${legacy.join(', ')}), which the doctor cannot read${unknownConfig}`, 'check iptables-legacy -S INPUT (and ip6tables-legacy) accepts it, or move those rules to nftables (iptables-nft, Debian\'s default, shows them to the doctor)');
  }
  return ok(id, filtered ? `${what}: accepted by every nftables input chain${unknownConfig}` : `${what}: no nftables input chain filters it${unknownConfig}`);
}


/** HALF's own table, with the sets the takeover guard turns on and off. */
export function guardCheck(facts: DoctorFacts): CheckResult {
  const id = 'firewall.guard';
  const { ruleset } = facts;
  if (ruleset.state !== 'ok') return skip(id, `table inet ${NFT_TABLE} not checked: ${ruleset.reason}`);
  const { sets, chains } = ruleset.ruleset;
  const prefix = chainKey('inet', NFT_TABLE, '');
  if (![...sets.keys(), ...chains.keys()].some((key) => key.startsWith(prefix))) {
    return fail(id, `table inet ${NFT_TABLE} is not loaded: no takeover guard (a takeover would answer packets without state with RSTs) and no filter on the sync port`, 'systemctl restart half-syncd (its unit loads the table first), or: half-syncd --load-table');
  }
  const missing = GUARD_SETS.filter((name) => !sets.has(chainKey('inet', NFT_TABLE, name)));
  if (missing.length > 0) {
    return fail(id, `table inet ${NFT_TABLE} lacks set ${missing.join(' and ')}: the takeover guard cannot be turned on`, 'merge /etc/half/half.nft.half into /etc/half/half.nft (edited by hand, it keeps its older shape across upgrades), then systemctl restart half-syncd');
  }
  const on = (sets.get(chainKey('inet', NFT_TABLE, 'guard'))?.length ?? 0) > 0;
  return ok(id, `table inet ${NFT_TABLE} holds the takeover guard, ${on ? 'on (a standby: new forwarded connections wait)' : 'off'}`);
}

export function firewallChecks(facts: DoctorFacts): CheckResult[] {
  return [judge('firewall.vrrp', facts, vrrpProbes(facts)), judge('firewall.sync', facts, syncProbes(facts)), guardCheck(facts)];
}
