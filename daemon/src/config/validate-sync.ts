// Checks [node], [sync] and [sync2] of half.conf (docs/half.conf.5.md): who this node is and how
// it reaches its peers. Problems are recorded, never thrown.
import { MAX_PEERS } from '../sync/peer-table.js';
import { DEFAULTS, type SyncLink } from './half-conf.js';
import { isLinkLocal, isMulticast, isSpecial, type IpAddress } from './ip-address.js';
import { splitList, type SectionReader } from './section-reader.js';

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Linux interface names: 1-15 characters, no '/', ':' or spaces (we also keep out quotes and '#'). */
export function isInterfaceName(name: string): boolean {
  return IFNAME.test(name) && name !== '.' && name !== '..';
}

export function readNode(node: SectionReader): { id: number | undefined; priority: number | undefined } {
  const id = node.int('id', 1, 65535, undefined, 'give every node of the cluster its own number from 1 to 65535, e.g. id = 1');
  if (node.entry('id') === undefined) node.fail('id', 'is missing', 'give every node of the cluster its own number, e.g. id = 1 on the first and id = 2 on the second');
  const role = node.choice('role', ['primary', 'backup'] as const, 'backup');
  const hasRole = node.entry('role') !== undefined;
  const fallback = role === 'primary' ? DEFAULTS.primaryPriority : DEFAULTS.backupPriority;
  const priority = node.int('priority', 1, 254, hasRole ? fallback : undefined, 'write a VRRP priority from 1 to 254 (the highest becomes MASTER), e.g. priority = 150');
  if (!hasRole && node.entry('priority') === undefined) {
    node.fail('priority', 'is missing (and so is role)', 'write role = primary on the preferred node and role = backup on the other, or priority = 1-254');
  }
  return { id, priority };
}

function readPeers(link: SectionReader, address: IpAddress | undefined): IpAddress[] | undefined {
  const peersEntry = link.entry('peers');
  if (peersEntry === undefined) return [];
  const peers: IpAddress[] = [];
  const seen = new Set<string>();
  let ok = true;
  const fix = 'list the other nodes\' addresses on this link, separated by spaces';
  const items = splitList(peersEntry.value);
  // half-syncd keeps MAX_PEERS peers (sync/peer-table.ts): more is one problem, not one per item
  // (100,000 copies of one address printed 100,000 lines before it, review)
  if (items.length > MAX_PEERS) {
    link.fail('peers', `lists ${items.length} peers, but half-syncd keeps at most ${MAX_PEERS}`, `list at most ${MAX_PEERS} other nodes on this link`);
    return undefined;
  }
  for (const item of items) {
    const peer = link.address('peers', item, fix);
    if (peer === undefined) {
      ok = false;
      continue;
    }
    let problem: string | undefined;
    if (isMulticast(peer) || isSpecial(peer)) problem = `${peer.text} is not a unicast address`;
    else if (isLinkLocal(peer)) problem = `${peer.text} is link-local: it needs a zone, which half.conf cannot give`;
    else if (address !== undefined && peer.family !== address.family) problem = `${peer.text} is IPv${peer.family} but address is IPv${address.family}`;
    else if (address !== undefined && peer.text === address.text) problem = `${peer.text} is this node's own address`;
    else if (seen.has(peer.text)) problem = `${peer.text} is listed twice`;
    if (problem !== undefined) {
      link.fail('peers', problem, fix);
      ok = false;
    }
    seen.add(peer.text);
    peers.push(peer);
  }
  if (peers.length === 0 && ok) {
    link.fail('peers', 'is empty', fix);
    ok = false;
  }
  return ok ? peers : undefined;
}

/** IPv6 group IDs every node or router of a scope listens to (RFC 4291 §2.7.1, RFC 5798 for VRRP, RFC 3810 for MLDv2). */
const WELL_KNOWN_V6 = new Map([
  [0x0001, 'the all-nodes group'],
  [0x0002, 'the all-routers group'],
  [0x0012, "VRRP's group"],
  [0x0016, "MLDv2's group"],
]);

/**
 * A multicast group no frame to the other nodes can use: IPv6 scopes 0 and F are reserved and
 * scope 1 is interface-local (RFC 4291 §2.7), none sent off the node by the kernel; 224.0.0.0 is
 * the reserved base address of IPv4 multicast (RFC 5771 §4). Nor one other protocols listen to:
 * the rest of 224.0.0.0/24 (routing and discovery on the link, VRRP's 224.0.0.18 among them),
 * the IPv6 all-nodes, all-routers, VRRP and MLDv2 groups, and the solicited-node groups of
 * neighbour discovery: the sync stream would go to every host, or into VRRP's adverts.
 */
function groupProblem(group: IpAddress): string | undefined {
  const b = group.bytes;
  if (group.family === 4) {
    if (group.text === '224.0.0.0') return '224.0.0.0 is the reserved base address of multicast, not a group';
    if (b[0] === 224 && b[1] === 0 && b[2] === 0) return `${group.text} is in 224.0.0.0/24, the block of routing and discovery protocols on the link (224.0.0.18 is VRRP's)`;
    return undefined;
  }
  const scope = (b[1] as number) & 0x0f;
  if (scope === 1) return `${group.text} has scope 1 (interface-local): the kernel never sends it off this node`;
  if (scope === 0 || scope === 0xf) return `${group.text} has the reserved scope ${scope.toString(16).toUpperCase()}: the kernel never sends it off this node`;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const known = zeros(2, 14) ? WELL_KNOWN_V6.get(((b[14] as number) << 8) | (b[15] as number)) : undefined;
  if (known !== undefined) return `${group.text} is ${known}`;
  if (zeros(2, 11) && b[11] === 1 && b[12] === 0xff) return `${group.text} is a solicited-node group of neighbour discovery`;
  return undefined;
}

/** One sync link ([sync] or [sync2]); undefined when any of its keys is wrong. */
export function readSyncLink(link: SectionReader): SyncLink | undefined {
  const ifname = link.required('interface', 'name the interface of the sync link, e.g. interface = eth2');
  if (ifname !== undefined && !isInterfaceName(ifname)) {
    link.fail('interface', `"${ifname}" is not an interface name`, 'write the name `ip link` shows, at most 15 letters, digits, ".", "-" or "_"');
  }
  const addressText = link.required('address', 'write this node\'s own address on the sync link, e.g. address = 203.0.113.1');
  let address = addressText === undefined ? undefined : link.address('address', addressText, 'write one IPv4 or IPv6 address, without a prefix length');
  if (address !== undefined && (isMulticast(address) || isSpecial(address))) {
    link.fail('address', `${address.text} is not a unicast address`, 'write the address configured on the sync interface');
    address = undefined;
  } else if (address !== undefined && isLinkLocal(address) && link.entry('multicast-group') === undefined) {
    // a multicast link binds the group on the interface, never this address: link-local is fine there
    link.fail('address', `${address.text} is link-local: binding it needs a zone, which half.conf cannot give`, 'give the sync interface a global or unique local (fd00::/8) address and write that, or use a multicast-group');
    address = undefined;
  }
  const peers = readPeers(link, address);
  const groupEntry = link.entry('multicast-group');
  let group: IpAddress | undefined;
  if (groupEntry !== undefined) {
    group = link.address('multicast-group', groupEntry.value, 'write a multicast group such as 225.0.0.50 or ff02::1:3781');
    if (group !== undefined && !isMulticast(group)) {
      link.fail('multicast-group', `${group.text} is not a multicast address`, 'use 224.0.0.0/4 (IPv4) or ff00::/8 (IPv6)');
      group = undefined;
    } else if (group !== undefined && groupProblem(group) !== undefined) {
      link.fail('multicast-group', groupProblem(group) as string, group.family === 6 ? 'use a link-local (ff02::/16) or site-local (ff05::/16) group, e.g. ff02::1:3781' : 'use a group such as 225.0.0.50 or one in 239.0.0.0/8');
      group = undefined;
    } else if (group !== undefined && address !== undefined && group.family !== address.family) {
      link.fail('multicast-group', `${group.text} is IPv${group.family} but address is IPv${address.family}`, 'use a group of the same family as address');
      group = undefined;
    }
  }
  const hasPeers = link.entry('peers') !== undefined;
  if (hasPeers && groupEntry !== undefined) {
    link.fail('multicast-group', 'is set together with peers', 'keep either peers (unicast) or multicast-group, not both');
    return undefined;
  }
  if (!hasPeers && groupEntry === undefined) {
    link.fail('peers', 'is missing (and so is multicast-group)', 'list the peers\' addresses on this link (peers = 203.0.113.2) or set multicast-group');
    return undefined;
  }
  if (ifname === undefined || !isInterfaceName(ifname) || address === undefined || peers === undefined) return undefined;
  if (groupEntry !== undefined && group === undefined) return undefined;
  return { interface: ifname, address, peers: hasPeers ? peers : [], multicastGroup: group };
}
