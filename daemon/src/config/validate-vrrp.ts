// Checks [vrrp] and [vips] of half.conf (docs/half.conf.5.md): how keepalived elects the MASTER
// and which addresses move with it. Problems are recorded, never thrown.
import type { ProblemList } from './config-error.js';
import { DEFAULTS, type HalfConfig, type VipInterface } from './half-conf.js';
import type { IniSection } from './ini.js';
import { isLinkLocal, isMulticast, isSpecial, type IpPrefix } from './ip-address.js';
import { SectionReader } from './section-reader.js';
import { isInterfaceName } from './validate-sync.js';

export function readVrrp(vrrp: SectionReader): Partial<HalfConfig['vrrp']> {
  return {
    routerId: vrrp.int('router-id', 1, 255, DEFAULTS.routerId, 'write a VRRP router id from 1 to 255, the same on every node and unique on the network'),
    // VRRPv3 (RFC 5798 §5.2.7) counts the interval in centiseconds, up to 4095.
    advertIntervalSeconds: vrrp.seconds('advert-interval', 0.01, 40.95, 2, DEFAULTS.advertIntervalSeconds, 'write seconds from 0.01 to 40.95, e.g. advert-interval = 1'),
    preempt: vrrp.bool('preempt', true),
    adverts: vrrp.choice('adverts', ['vip-interfaces', 'sync-link'] as const, 'vip-interfaces'),
    notify: vrrp.choice('notify', ['fifo', 'script', 'both'] as const, 'fifo'),
    notifyFifo: vrrp.keepalivedPath('notify-fifo', DEFAULTS.notifyFifo),
    notifyScript: vrrp.keepalivedPath('notify-script', DEFAULTS.notifyScript),
    resyncFile: vrrp.keepalivedPath('resync-file', DEFAULTS.resyncFile),
  };
}

/** [vips]: one `interface = address/len ...` line per interface that carries virtual addresses. */
export function readVips(section: IniSection | undefined, problems: ProblemList): VipInterface[] | undefined {
  if (section === undefined || section.entries.length === 0) {
    problems.add({
      ...(section === undefined ? {} : { line: section.line }),
      key: '[vips]',
      message: section === undefined ? 'is missing: the cluster has no virtual address to move' : 'lists no interface',
      fix: 'add [vips] with one line per interface, e.g. eth0 = 192.0.2.254/24',
    });
    return undefined;
  }
  const reader = new SectionReader('vips', section, problems);
  const result: VipInterface[] = [];
  const owner = new Map<string, string>();
  let ok = true;
  for (const entry of section.entries) {
    if (!isInterfaceName(entry.name)) {
      reader.fail(entry.name, `"${entry.name}" is not an interface name`, 'write the name `ip link` shows, at most 15 letters, digits, ".", "-" or "_"');
      ok = false;
      continue;
    }
    const fix = 'write addresses with their prefix length, separated by spaces, e.g. 192.0.2.254/24 2001:db8::fe/64';
    const vips = reader.prefixes(entry.name, entry.value, true, fix);
    if (vips === undefined) {
      ok = false;
      continue;
    }
    if (vips.length === 0) {
      reader.fail(entry.name, 'lists no address', fix);
      ok = false;
      continue;
    }
    for (const vip of vips) {
      const problem = vipProblem(vip, owner.get(vip.address.text));
      if (problem !== undefined) {
        reader.fail(entry.name, problem, 'give each virtual address once, as a unicast address with a prefix length of 1 or more');
        ok = false;
      }
      owner.set(vip.address.text, entry.name);
    }
    result.push({ interface: entry.name, vips });
  }
  return ok ? result : undefined;
}

function vipProblem(vip: IpPrefix, previousOwner: string | undefined): string | undefined {
  if (isMulticast(vip.address) || isSpecial(vip.address)) return `${vip.address.text} is not a unicast address`;
  if (vip.address.family === 4 && (vip.address.bytes[0] as number) >= 240) return `${vip.address.text} is in 240.0.0.0/4, reserved: not a unicast address`;
  const v4LinkLocal = vip.address.family === 4 && vip.address.bytes[0] === 169 && vip.address.bytes[1] === 254; // 169.254.0.0/16, RFC 3927
  if (isLinkLocal(vip.address) || v4LinkLocal) return `${vip.address.text} is link-local: not an address to move between nodes`;
  if (vip.length === 0) return `${vip.text} has prefix length 0`;
  // in an IPv4 subnet of 4 or more addresses, the first is the network's and the last its broadcast
  if (vip.address.family === 4 && vip.length <= 30) {
    const host = hostPart(vip.address.bytes, vip.length);
    if (host === 0) return `${vip.text} is the network address of its prefix: not a unicast address`;
    if (host === 2 ** (32 - vip.length) - 1) return `${vip.text} is the broadcast address of its prefix: not a unicast address`;
  }
  if (previousOwner !== undefined) return `${vip.address.text} is already listed (for ${previousOwner})`;
  return undefined;
}

/** The host bits of an IPv4 address under a prefix length, as a number. */
function hostPart(bytes: Uint8Array, length: number): number {
  const value = (((bytes[0] as number) << 24) | ((bytes[1] as number) << 16) | ((bytes[2] as number) << 8) | (bytes[3] as number)) >>> 0;
  return length === 0 ? value : value % 2 ** (32 - length);
}
