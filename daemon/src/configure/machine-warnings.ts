// What a valid half.conf asks of this machine that the machine does not have now: an interface
// or a sync address half.conf names. Not refusals: a configure that keeps an admin's own
// half.conf (an upgrade, a re-run postinst) must not fail because an interface is down or
// renamed for a moment, and half-syncd waits for its address (--address-wait); but the admin
// hears it then, not from a daemon that never starts. Also a VIP that is this machine's default
// gateway (the router's address, which keepalived would take over), a VIP interface without the address
// its VRRP adverts are sent from, and the files half-syncd makes outside the folders its unit
// lets it write. Pure.
import { WRITABLE_DIRS, type HalfConfig } from '../config/half-conf.js';
import { isLinkLocal } from '../config/ip-address.js';
import { advertFamily } from '../config/keepalived-conf.js';
import { isDefaultGateway, type MachineFacts } from './machine-facts.js';

export function machineWarnings(config: HalfConfig, facts: MachineFacts): string[] {
  const warnings: string[] = [];
  const names = facts.interfaces.filter((i) => !i.loopback).map((i) => i.name).join(', ') || 'none';
  for (const link of config.sync.links) {
    const iface = facts.interfaces.find((i) => i.name === link.interface);
    if (iface === undefined) {
      warnings.push(`${config.source}: [sync] interface ${link.interface} is not on this machine (it has: ${names}); half-syncd cannot sync without it (each start waits for its address, then fails): create the interface, or correct [sync] interface`);
      continue;
    }
    if (!iface.addresses.some((a) => a.address.text === link.address.text)) {
      const here = iface.addresses.map((a) => a.address.text).join(', ') || 'no address';
      warnings.push(`${config.source}: [sync] address ${link.address.text} is not on ${link.interface} now (it has ${here}); half-syncd cannot sync without it (each start waits for it, then fails): add the address, or correct [sync] address`);
    }
  }
  for (const { interface: name, vips } of config.vips) {
    if (!facts.interfaces.some((i) => i.name === name)) {
      warnings.push(`${config.source}: [vips] ${name} is not an interface of this machine (it has: ${names}); keepalived keeps that address down: create it, or correct [vips]`);
    }
    for (const vip of vips.filter((p) => isDefaultGateway(facts, p.address))) {
      warnings.push(`${config.source}: [vips] ${name} = ${vip.text} is the address of this machine's default gateway (ip route show default): as MASTER keepalived takes the router's address on that network: pick a free address in [vips] ${name}, then run half configure`);
    }
  }
  warnings.push(...advertSourceWarnings(config, facts));
  warnings.push(...unitPathWarnings(config));
  return warnings;
}

/**
 * With adverts = vip-interfaces each VIP interface sends its instance's adverts (advertFamily)
 * from an address of its own: IPv4 from its first IPv4 address, IPv6 from its link-local
 * address (RFC 5798 §5.1.2.1). Without one keepalived keeps the instance in FAULT, and the sync
 * group then faults every member: the node never becomes MASTER (seen with keepalived 2.2.7).
 * The VIPs do not count: a MASTER has them on the interface now, but not after a restart.
 */
function advertSourceWarnings(config: HalfConfig, facts: MachineFacts): string[] {
  if (config.vrrp.adverts !== 'vip-interfaces') return [];
  const vips = new Set(config.vips.flatMap((v) => v.vips.map((p) => p.address.text)));
  const warnings: string[] = [];
  for (const vipIf of config.vips) {
    const iface = facts.interfaces.find((i) => i.name === vipIf.interface);
    if (iface === undefined) continue; // said above
    const family = advertFamily(vipIf);
    const own = iface.addresses.filter((a) => a.address.family === family && !vips.has(a.address.text));
    if (family === 4 && own.length === 0) {
      warnings.push(`${config.source}: [vips] ${iface.name} has no IPv4 address of its own, which keepalived sends its IPv4 VRRP adverts from; keepalived keeps its instance in FAULT, and the sync group with it every instance: this node can never become MASTER: add a fixed IPv4 address to ${iface.name} (in its network configuration, not only with ip addr), or set [vrrp] adverts = sync-link`);
    }
    if (family === 6 && !own.some((a) => isLinkLocal(a.address))) {
      warnings.push(`${config.source}: [vips] ${iface.name} has no IPv6 link-local address, which keepalived sends its IPv6 VRRP adverts from; keepalived keeps its instance in FAULT, and the sync group with it every instance: this node can never become MASTER: enable IPv6 on ${iface.name} (net.ipv6.conf.${iface.name}.disable_ipv6 = 0, addrgenmode not none), or set [vrrp] adverts = sync-link`);
    }
  }
  return warnings;
}


/** Files half-syncd makes that its unit would keep it from making, or hide from keepalived (PrivateTmp=yes). */
function unitPathWarnings(config: HalfConfig): string[] {
  const files = [
    ['[vrrp] notify-fifo', config.vrrp.notifyFifo, config.vrrp.notify !== 'script'],
    ['[vrrp] resync-file', config.vrrp.resyncFile, true],
    ['[daemon] control-socket', config.daemon.controlSocket, true],
  ] as const;
  return files
    .filter(([, path, used]) => used && !WRITABLE_DIRS.some((dir) => path.startsWith(dir)))
    .map(([key, path]) => `${config.source}: ${key} ${path} is outside /run/half and /var/lib/half, the only folders half-syncd.service lets half-syncd write (ProtectSystem=strict; its /tmp is private, PrivateTmp=yes, so keepalived would not see a file there): half-syncd cannot make it; put it below /run/half`);
}
