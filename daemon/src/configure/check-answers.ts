// Checks the debconf answers against their formats and against the machine (the sync address
// must be on the sync interface, peers must not be this machine, the interfaces must exist, a
// VIP must not be the address of this machine's default gateway), and
// turns them into ConfValues for half-conf-edit.ts. Each problem names its question, so the
// config script can ask exactly that question again. Pure.
import { parseClusterKey } from '../config/cluster-key.js';
import { readIpAddress } from '../config/ip-address.js';
import { splitList } from '../config/section-reader.js';
import { isInterfaceName } from '../config/validate-sync.js';
import { answer, type Answers, type Question } from './answers.js';
import { interfaceWithAddress, isDefaultGateway, type MachineFacts } from './machine-facts.js';
import { NODE_FILES } from './node-paths.js';
import type { ConfValues } from './half-conf-edit.js';
import { parseVipsAnswer, type VipLine } from './vips-answer.js';

export interface AnswerProblem {
  /** The question to ask again; undefined when the problem is in a part of half.conf no question owns. */
  readonly question: Question | undefined;
  readonly message: string;
}

export interface KeyState {
  /** The key file exists and holds a valid key. */
  readonly validKeyFile: boolean;
  /** Why an existing key file cannot be used (wrong mode, bad content), if it exists and cannot. */
  readonly problem?: string;
  /**
   * The key file is gone, though HALF made it on this node (its registry lists it), with or
   * without half.conf: the node was set up, and a new key would cut it off from the other nodes.
   */
  readonly lost?: string;
}

export type CheckResult = { readonly ok: true; readonly values: ConfValues } | { readonly ok: false; readonly problems: readonly AnswerProblem[] };

function integer(text: string, min: number, max: number): number | undefined {
  if (!/^[0-9]{1,6}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

function interfaceNames(facts: MachineFacts): string {
  return facts.interfaces.filter((i) => !i.loopback).map((i) => i.name).join(', ') || 'none';
}

/**
 * The cluster key answer against the key file: a key given must parse, a key file that is there
 * must be usable, and a backup must get the first node's key (only a primary makes one). Also
 * checked when the answers match a valid half.conf (plan-conf.ts): a backup whose key file is
 * missing must not get a key of its own that no other node has.
 */
export function keyProblems(answers: Answers, keys: KeyState): AnswerProblem[] {
  const role = answer(answers, 'role');
  const key = answer(answers, 'cluster-key');
  const problem = (message: string): AnswerProblem[] => [{ question: 'cluster-key', message }];
  if (key !== '') {
    const parsed = parseClusterKey(key);
    if (!parsed.ok) return problem(`the key ${parsed.message}; paste the 64 hex digits printed on the first node, or leave it empty${role === 'backup' ? '' : ' to generate one'}`);
  } else if (keys.problem !== undefined) {
    return problem(`${keys.problem}; fix the file, or give the cluster key here`);
  } else if (role === 'backup' && !keys.validKeyFile) {
    return problem('a backup node needs the cluster key of the first node (printed there by its configuration, and in /etc/half/cluster.key)');
  } else if (keys.lost !== undefined) {
    return problem(`${keys.lost} is gone, though HALF made it on this node (${NODE_FILES.registry} lists it): this node was set up, and a new key would cut it off from the other nodes; copy the file from another node (mode 0600), or give the cluster key here (\`cat /etc/half/cluster.key\` on another node)`);
  }
  return [];
}

export function checkAnswers(answers: Answers, facts: MachineFacts, keys: KeyState): CheckResult {
  const problems: AnswerProblem[] = [];
  const fail = (question: Question, message: string): void => void problems.push({ question, message });

  const role = answer(answers, 'role');
  if (role !== 'primary' && role !== 'backup') fail('role', `"${role}" is neither primary nor backup`);
  const nodeId = integer(answer(answers, 'node-id'), 1, 65535);
  if (nodeId === undefined) fail('node-id', `"${answer(answers, 'node-id')}" is not a node number from 1 to 65535 (each node of the cluster has its own)`);
  const routerId = integer(answer(answers, 'router-id'), 1, 255);
  if (routerId === undefined) fail('router-id', `"${answer(answers, 'router-id')}" is not a VRRP router id from 1 to 255 (the same on every node)`);

  const ifname = answer(answers, 'sync-interface');
  const syncIface = facts.interfaces.find((i) => i.name === ifname);
  if (!isInterfaceName(ifname)) fail('sync-interface', `"${ifname}" is not an interface name`);
  else if (syncIface === undefined) fail('sync-interface', `this machine has no interface ${ifname} (it has: ${interfaceNames(facts)})`);

  const addressText = answer(answers, 'sync-address');
  const read = readIpAddress(addressText);
  const address = read.ok ? read.address : undefined;
  if (!read.ok) {
    fail('sync-address', `${read.reason} (write it without a prefix length, e.g. 203.0.113.1)`);
  } else if (syncIface !== undefined && !syncIface.addresses.some((a) => a.address.text === read.address.text)) {
    const owner = interfaceWithAddress(facts, read.address);
    const here = syncIface.addresses.map((a) => a.address.text).join(', ') || 'no address';
    fail('sync-address', owner === undefined
      ? `${read.address.text} is not an address of this machine (${ifname} has ${here}); configure the interface first or pick one of its addresses`
      : `${read.address.text} is on ${owner.name}, not on the sync interface ${ifname} (which has ${here})`);
  }

  const peers: string[] = [];
  const peerWords = splitList(answer(answers, 'sync-peers'));
  if (peerWords.length === 0) fail('sync-peers', 'no peer given: write the other node\'s address on the sync link, e.g. 203.0.113.2');
  for (const word of peerWords) {
    const readPeer = readIpAddress(word);
    if (!readPeer.ok) fail('sync-peers', readPeer.reason);
    else if (interfaceWithAddress(facts, readPeer.address) !== undefined) fail('sync-peers', `${readPeer.address.text} is an address of this machine; peers are the other nodes' addresses on the sync link`);
    else peers.push(readPeer.address.text);
  }

  let vips: readonly VipLine[] = [];
  const parsedVips = parseVipsAnswer(answer(answers, 'vips'));
  if (!parsedVips.ok) for (const message of parsedVips.problems) fail('vips', message);
  else {
    vips = parsedVips.lines;
    for (const line of vips) {
      if (!facts.interfaces.some((i) => i.name === line.interface)) fail('vips', `this machine has no interface ${line.interface} (it has: ${interfaceNames(facts)})`);
      // Not on a backup: its VIPs are the cluster's, which the primary checked against its own
      // routes, and a backup without an uplink of its own is routed through the cluster's VIP
      for (const vip of line.prefixes.filter((p) => role !== 'backup' && isDefaultGateway(facts, p.address))) {
        fail('vips', `${line.interface}=${vip.text} is the address of this machine's default gateway (ip route show default): keepalived would take the router's address on that network; pick a free address for the VIP instead`);
      }
    }
  }

  problems.push(...keyProblems(answers, keys));

  if (problems.length > 0 || nodeId === undefined || routerId === undefined || address === undefined) return { ok: false, problems };
  return {
    ok: true,
    values: { role: role as 'primary' | 'backup', nodeId, syncInterface: ifname, syncAddress: address.text, syncPeers: peers, routerId, vips },
  };
}
