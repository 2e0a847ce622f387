// half.conf text → HalfConfig, or HalfConfError listing every problem (file:line, section.key,
// what is wrong, the fix). Pure: the caller reads the file (load-config.ts). Nothing is started
// or written from a config that did not pass here whole.
import { ProblemList } from './config-error.js';
import { DEFAULTS, WRITABLE_DIRS, type HalfConfig, type SyncLink, type VipInterface } from './half-conf.js';
import { parseIni, type IniSection } from './ini.js';
import { isLinkLocal, prefixContains, type IpFamily, type IpPrefix } from './ip-address.js';
import { advertFamily } from './keepalived-conf.js';
import { ownFiles } from './node-files.js';
import { nearest, SectionReader } from './section-reader.js';
import { readDaemon, readFilter } from './validate-daemon.js';
import { readNode, readSyncLink } from './validate-sync.js';
import { readVips, readVrrp } from './validate-vrrp.js';

/** Addresses one VRRP advert can name. */
export const MAX_ADVERT_ADDRESSES = 255;
const SECTIONS = ['node', 'sync', 'sync2', 'vrrp', 'vips', 'filter', 'daemon'] as const;

function complete<T extends object>(value: Partial<T>): value is T {
  return Object.values(value).every((v) => v !== undefined);
}

/** What validation allows beyond half.conf itself. */
export interface ValidateOptions {
  /**
   * Folders (each ending in "/") that [vrrp] resync-file may be below; WRITABLE_DIRS by default.
   * half-syncd adds its --state-dir; tests name their own temporary folders.
   */
  readonly writableDirs?: readonly string[];
}

function crossCheck(config: HalfConfig, sections: Map<string, IniSection>, problems: ProblemList, writableDirs: readonly string[]): void {
  const reader = (name: string): SectionReader => new SectionReader(name, sections.get(name), problems);
  const [first, second] = config.sync.links;
  if (second !== undefined && second.interface === first.interface) {
    reader('sync2').fail('interface', `${second.interface} is already the [sync] interface`, 'put the second sync link on another interface, or remove [sync2]');
  }
  // Both links use the same port, and a socket bound to a multicast group hears that group on
  // every interface that joined it: with one group, a dead link would still seem to carry frames.
  if (second?.multicastGroup !== undefined && second.multicastGroup.text === first.multicastGroup?.text) {
    reader('sync2').fail('multicast-group', `${second.multicastGroup.text} is already the [sync] group`, 'give the second sync link a group of its own');
  }
  // (a link-local address is one per interface: the same one on both links is two addresses)
  if (second !== undefined && second.address.text === first.address.text && !isLinkLocal(first.address)) {
    reader('sync2').fail('address', `${second.address.text} is already the [sync] address`, 'give the second sync link this node\'s own address on its interface');
  }
  if (second !== undefined && second.address.family !== first.address.family) {
    reader('sync2').fail('address', `${second.address.text} is IPv${second.address.family} but [sync] address is IPv${first.address.family}`, 'use one address family on both sync links');
  }
  // the links pair the peers by position: the i-th of each list is the same node (runtime/sync-link.ts);
  // a node without a second link comes last in [sync], and a [sync2] peer beyond [sync]'s is no node
  if (second !== undefined && first.multicastGroup === undefined && second.multicastGroup === undefined && second.peers.length > first.peers.length) {
    reader('sync2').fail('peers', `lists ${second.peers.length} peers, [sync] only ${first.peers.length}`, 'list the nodes in the same order on both links (the i-th peer of each is one node); a node on [sync2] only cannot be paired');
  }
  // A node has its own address on each link: an address of [sync2] that [sync] already names
  // (this node's as a peer, a peer's twice) would send a link's frames to the wrong node.
  if (second !== undefined) {
    const onFirst = new Map<string, string>([[first.address.text, '[sync] address (this node)'], ...first.peers.map((p) => [p.text, 'a [sync] peer'] as [string, string])]);
    for (const peer of second.peers) {
      const clash = onFirst.get(peer.text);
      if (clash !== undefined) reader('sync2').fail('peers', `${peer.text} is already ${clash}`, 'list each node\'s own address on the second link, in the order of [sync] peers');
    }
    const asPeer = first.peers.some((p) => p.text === second.address.text);
    if (asPeer) reader('sync2').fail('address', `${second.address.text} is already a [sync] peer`, 'give the second sync link this node\'s own address on its interface');
  }
  const syncAddresses = new Map<string, string>();
  config.sync.links.forEach((link, i) => {
    const name = i === 0 ? 'sync' : 'sync2';
    syncAddresses.set(link.address.text, `${name}.address`);
    for (const peer of link.peers) syncAddresses.set(peer.text, `${name}.peers`);
  });
  for (const vipIf of config.vips) {
    for (const vip of vipIf.vips) {
      const clash = syncAddresses.get(vip.address.text);
      if (clash !== undefined) reader('vips').fail(vipIf.interface, `${vip.address.text} is also ${clash}`, 'a virtual address must not be a fixed address of any node');
    }
  }
  for (const prefix of config.filter.ignore) {
    const vip = config.vips.flatMap((v) => v.vips).find((v) => prefixContains(prefix, v.address));
    if (vip !== undefined) {
      reader('filter').fail('ignore', `${prefix.text} contains the virtual address ${vip.address.text}`, 'narrow the prefix: connections through a virtual address must be replicated');
    }
  }
  const instances = config.vrrp.adverts === 'sync-link' ? 1 : config.vips.length;
  if (config.vrrp.routerId + instances - 1 > 255) {
    reader('vrrp').fail('router-id', `${config.vrrp.routerId} leaves no room for ${instances} VRRP instances (ids ${config.vrrp.routerId}-${config.vrrp.routerId + instances - 1})`, `write router-id = ${256 - instances} or lower`);
  }
  // One advert names at most 255 addresses (a one-byte count: RFC 3768 §5.3.5, RFC 5798 §5.2.5);
  // keepalived moves the rest out of the advert, and `keepalived -t` then fails.
  const advertised = (family: IpFamily, vips: readonly IpPrefix[]): number => vips.filter((v) => v.address.family === family).length;
  if (config.vrrp.adverts === 'sync-link') {
    const count = advertised(first.address.family, config.vips.flatMap((v) => v.vips));
    if (count > MAX_ADVERT_ADDRESSES) {
      reader('vrrp').fail('adverts', `sync-link puts all ${count} IPv${first.address.family} virtual addresses in one VRRP advert, which names at most ${MAX_ADVERT_ADDRESSES}`, 'use adverts = vip-interfaces (one advert per interface), or fewer virtual addresses');
    }
  } else {
    for (const vipIf of config.vips) {
      const family = advertFamily(vipIf);
      const count = advertised(family, vipIf.vips);
      if (count > MAX_ADVERT_ADDRESSES) {
        reader('vips').fail(vipIf.interface, `names ${count} IPv${family} addresses, but one VRRP advert names at most ${MAX_ADVERT_ADDRESSES}`, `keep at most ${MAX_ADVERT_ADDRESSES} IPv${family} addresses on ${vipIf.interface}`);
      }
    }
  }
  if (config.vrrp.adverts === 'sync-link' && !config.vips.some((i) => i.vips.some((v) => v.address.family === first.address.family))) {
    reader('vrrp').fail('adverts', `sync-link sends IPv${first.address.family} adverts but no virtual address is IPv${first.address.family}`, 'add one such address to [vips], or use adverts = vip-interfaces');
  }
  const paths = [
    ['vrrp.notify-fifo', config.vrrp.notifyFifo, DEFAULTS.notifyFifo, 'half-syncd would replace it with its fifo'],
    ['vrrp.resync-file', config.vrrp.resyncFile, DEFAULTS.resyncFile, 'keepalived (track_file) and half-syncd would write over it'],
    ['vrrp.notify-script', config.vrrp.notifyScript, DEFAULTS.notifyScript, 'keepalived would run it at each transition'],
    ['daemon.control-socket', config.daemon.controlSocket, DEFAULTS.controlSocket, 'half-syncd would replace it with its socket'],
    ['sync.key-file', config.sync.keyFile, DEFAULTS.keyFile, 'half configure would write the cluster key over it'],
  ] as const;
  const written = (key: string): boolean => {
    const [section, name] = key.split('.') as [string, string];
    return sections.get(section)?.entries.some((e) => e.key === name) === true;
  };
  const fail = (key: string, message: string, fix: string): void => {
    const [section, name] = key.split('.') as [string, string];
    reader(section).fail(name, message, fix);
  };
  // Nor one of HALF's own files (half.conf, what half configure renders, its registry): the
  // file would be lost, or run, once the node starts.
  const own = ownFiles(config.source);
  const clashing = new Set<string>();
  for (const [key, path, fallback, effect] of paths) {
    const what = own.get(path);
    if (what === undefined) continue;
    clashing.add(key);
    // the default itself only meets a half.conf read from an odd place (--config)
    const fix = path === fallback ? `set it to a file of its own, or keep half.conf elsewhere` : `give it a file of its own, e.g. the default ${fallback}`;
    fail(key, `${path} is ${what}: ${effect}`, fix);
  }
  paths.forEach(([key, path], i) => {
    const other = paths.slice(0, i).find(([, p]) => p === path);
    if (other === undefined || clashing.has(key)) return;
    // Report on whichever of the two the file sets (the other one is its default).
    const reported = ([key, other[0]] as const).find(written) ?? key;
    clashing.add(reported);
    fail(reported, `${path} is also ${reported === key ? other[0] : key}`, 'give each file its own path');
  });
  // keepalived renders resync-file as `init_file 1 overwrite`: at every start it writes "1" over
  // whatever file is there (/etc/passwd, say). Only half-syncd's own folders may hold it.
  const resyncFile = config.vrrp.resyncFile;
  if (!clashing.has('vrrp.resync-file') && !writableDirs.some((dir) => resyncFile.startsWith(dir))) {
    const dirs = writableDirs.map((dir) => dir.replace(/\/$/, '')).join(' or ');
    fail('vrrp.resync-file', `${resyncFile} is outside ${dirs}: keepalived (track_file, init_file 1 overwrite) would write "1" over it at every start`, `put it below ${dirs}, e.g. the default ${DEFAULTS.resyncFile}`);
  }
}

/** Validates half.conf text. `source` names the file in messages. Throws HalfConfError. */
export function validateHalfConf(text: string, source: string, options: ValidateOptions = {}): HalfConfig {
  const problems = new ProblemList(source);
  const sections = new Map(parseIni(text, problems).map((s) => [s.name, s] as const));
  for (const section of sections.values()) {
    if ((SECTIONS as readonly string[]).includes(section.name)) continue;
    const guess = nearest(section.name, SECTIONS);
    problems.add({ line: section.line, key: `[${section.name}]`, message: 'is not a known section', fix: guess === undefined ? `use the sections ${SECTIONS.join(', ')}` : `did you mean [${guess}]?` });
  }
  const reader = (name: string): SectionReader => new SectionReader(name, sections.get(name), problems);
  const node = reader('node');
  const sync = reader('sync');
  const vrrp = reader('vrrp');
  const filter = reader('filter');
  const daemon = reader('daemon');
  const nodeValues = readNode(node);
  const port = sync.int('port', 1, 65535, DEFAULTS.syncPort, 'write a UDP port from 1 to 65535, the same on every node');
  const keyFile = sync.path('key-file', DEFAULTS.keyFile);
  if (!sections.has('sync')) problems.add({ key: '[sync]', message: 'is missing', fix: 'add [sync] with interface, address and peers (see half.conf(5))' });
  const firstLink = sections.has('sync') ? readSyncLink(sync) : undefined;
  let secondLink: SyncLink | undefined;
  let secondOk = true;
  if (sections.has('sync2')) {
    const sync2 = reader('sync2');
    secondLink = readSyncLink(sync2);
    secondOk = secondLink !== undefined;
    sync2.reportUnknown();
  }
  const vrrpValues = readVrrp(vrrp);
  const vips: VipInterface[] | undefined = readVips(sections.get('vips'), problems);
  const filterValues = readFilter(filter);
  const daemonValues = readDaemon(daemon);
  for (const section of [node, sync, vrrp, filter, daemon]) section.reportUnknown();

  const { id, priority } = nodeValues;
  if (
    id === undefined || priority === undefined || port === undefined || keyFile === undefined || firstLink === undefined || !secondOk ||
    vips === undefined || !complete(vrrpValues) || !complete(filterValues) || !complete(daemonValues) || !problems.empty
  ) {
    problems.throwIfAny();
    throw new Error(`validateHalfConf: ${source} failed without a recorded problem`); // a bug, not bad input
  }
  const config: HalfConfig = {
    source,
    node: { id, priority },
    sync: { port, keyFile, links: secondLink === undefined ? [firstLink] : [firstLink, secondLink] },
    vrrp: vrrpValues,
    vips,
    filter: filterValues,
    daemon: daemonValues,
  };
  crossCheck(config, sections, problems, options.writableDirs ?? WRITABLE_DIRS);
  problems.throwIfAny();
  return config;
}
