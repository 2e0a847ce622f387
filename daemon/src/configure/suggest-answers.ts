// Defaults for the debconf questions, taken from the machine (MachineFacts): the sync link is a
// point-to-point IPv4 network (/30 or /31) on an interface without the default route, else an
// interface without any address; the peer is the other host of that /30 or /31; each other
// IPv4 network gets the seed's convention for its virtual address, the last host (.254 in a
// /24), or the next one down when the last is this machine's or its default gateway's (.254 is
// a common router address: a VIP there would take the router's place on the network). Only
// unanswered questions get a suggestion. Pure.
import { DEFAULTS } from '../config/half-conf.js';
import { parseIpAddress, prefixContains, type IpAddress, type IpPrefix } from '../config/ip-address.js';
import { splitList } from '../config/section-reader.js';
import { answer, type Answers } from './answers.js';
import { globalAddresses, type AddressFact, type InterfaceFact, type MachineFacts } from './machine-facts.js';

export interface Suggestion {
  readonly answers: Answers;
  /** What the admin must do before a default can exist (e.g. address the sync interface). */
  readonly notes: readonly string[];
}

function v4Number(address: IpAddress): number {
  return address.bytes.reduce((n, byte) => n * 256 + byte, 0);
}

function v4Text(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function v4Range(prefix: IpPrefix): { network: number; last: number } {
  const size = 2 ** (32 - prefix.length);
  const network = Math.floor(v4Number(prefix.address) / size) * size;
  return { network, last: network + size - 1 };
}

/** The other host of a /30 or /31 (RFC 3021), or undefined for other prefixes. */
export function otherHost(own: IpPrefix): string | undefined {
  if (own.address.family !== 4 || (own.length !== 30 && own.length !== 31)) return undefined;
  const { network, last } = v4Range(own);
  const hosts = own.length === 31 ? [network, last] : [network + 1, network + 2];
  const self = v4Number(own.address);
  return hosts.includes(self) ? v4Text(hosts.find((h) => h !== self) as number) : undefined;
}

/**
 * The first host of an IPv4 network of /29 or wider, from its last host down, that is not
 * `taken` (192.0.2.0/24 with .254 taken → 192.0.2.253).
 */
export function freeHostFromTop(prefix: IpPrefix, taken: ReadonlySet<string>): string | undefined {
  if (prefix.address.family !== 4 || prefix.length > 29) return undefined;
  const { network, last } = v4Range(prefix);
  for (let host = last - 1; host > network; host--) {
    const text = v4Text(host);
    if (!taken.has(text)) return text;
  }
  return undefined;
}

function usable(facts: MachineFacts): InterfaceFact[] {
  return facts.interfaces.filter((i) => !i.loopback && !i.noArp && i.master === undefined).sort((a, b) => a.index - b.index);
}

function firstV4(iface: InterfaceFact): AddressFact | undefined {
  const all = globalAddresses(iface);
  return all.find((a) => a.address.family === 4) ?? all[0];
}

interface SyncChoice {
  readonly iface?: InterfaceFact;
  readonly address?: AddressFact;
}

function chooseSync(facts: MachineFacts, current: Answers): SyncChoice {
  const candidates = usable(facts);
  const byName = candidates.find((i) => i.name === answer(current, 'sync-interface'));
  const peer = splitList(answer(current, 'sync-peers')).map((p) => parseIpAddress(p)).find((p) => p !== undefined);
  if (peer !== undefined) {
    for (const iface of byName === undefined ? candidates : [byName]) {
      const address = globalAddresses(iface).find((a) => prefixContains(a.prefix, peer) && a.address.text !== peer.text);
      if (address !== undefined) return { iface, address };
    }
  }
  if (byName !== undefined) {
    const address = firstV4(byName);
    return address === undefined ? { iface: byName } : { iface: byName, address };
  }
  const routed = new Set(facts.defaultRouteInterfaces);
  for (const iface of candidates.filter((i) => !routed.has(i.name))) {
    const address = globalAddresses(iface).find((a) => a.address.family === 4 && a.prefix.length >= 30);
    if (address !== undefined) return { iface, address };
  }
  const unused = candidates.find((i) => !routed.has(i.name) && globalAddresses(i).length === 0);
  return unused === undefined ? {} : { iface: unused };
}

function suggestVips(facts: MachineFacts, syncInterface: string | undefined): string {
  // Not the neighbour table: on a backup the VIPs are the primary's, so it would skip them.
  const taken = new Set([...facts.interfaces.flatMap((i) => i.addresses.map((a) => a.address.text)), ...facts.defaultGateways.map((g) => g.text)]);
  const parts: string[] = [];
  for (const iface of usable(facts)) {
    if (iface.name === syncInterface) continue;
    const vips = globalAddresses(iface)
      .map((a) => ({ host: freeHostFromTop(a.prefix, taken), length: a.prefix.length }))
      .filter((v): v is { host: string; length: number } => v.host !== undefined);
    const unique = [...new Set(vips.map((v) => `${v.host}/${v.length}`))];
    if (unique.length > 0) parts.push(`${iface.name}=${unique.join(' ')}`);
  }
  return parts.join(' ');
}

export function suggestAnswers(facts: MachineFacts, current: Answers): Suggestion {
  const out: Answers = {};
  const notes: string[] = [];
  const missing = (q: keyof Answers): boolean => answer(current, q) === '';
  if (missing('node-id')) out['node-id'] = answer(current, 'role') === 'backup' ? '2' : '1';
  if (missing('router-id')) out['router-id'] = String(DEFAULTS.routerId);
  const sync = chooseSync(facts, current);
  if (sync.iface !== undefined && missing('sync-interface')) out['sync-interface'] = sync.iface.name;
  if (sync.address !== undefined && missing('sync-address')) out['sync-address'] = sync.address.address.text;
  if (sync.iface !== undefined && sync.address === undefined) {
    notes.push(`${sync.iface.name} has no address yet: give it one (e.g. a /30 shared with the peer), then configure HALF`);
  }
  const peer = sync.address === undefined ? undefined : otherHost(sync.address.prefix);
  if (peer !== undefined && missing('sync-peers')) out['sync-peers'] = peer;
  if (missing('vips')) {
    const vips = suggestVips(facts, answer(current, 'sync-interface') || sync.iface?.name);
    if (vips !== '') out.vips = vips;
  }
  if (sync.iface === undefined) notes.push('no interface is free for the sync link: HALF wants a dedicated link between the nodes');
  return { answers: out, notes };
}
