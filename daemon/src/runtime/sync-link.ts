// The sync link(s) of half.conf as a Channel: UDP unicast to `peers` or a multicast group per
// link, two links joined in a RedundantPair; plus what the protocol derives from the links (the
// MTU and IP version that size its datagrams, which source addresses it accepts). Strategies are
// chosen here, by wiring (STYLE.md rule 4).
import { readFile } from 'node:fs/promises';
import type { Channel } from '../channel/channel.js';
import { RedundantPair } from '../channel/redundant-pair.js';
import { sourceFilter } from '../channel/source-filter.js';
import { UdpMulticastChannel } from '../channel/udp-multicast.js';
import { UdpUnicastChannel } from '../channel/udp-unicast.js';
import type { HalfConfig, SyncLink } from '../config/half-conf.js';
import { DaemonStartError, StartStoppedError, SyncLinkNotReadyError } from '../errors.js';
import type { SyncLinksView } from '../control/status-model.js';
import type { Logger } from '../metrics/logger.js';
import type { Clock } from '../sync/clock.js';
import type { SyncOptions } from '../sync/options.js';

/** Socket buffers: a resync burst of a large table must not overflow them. */
const SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;

/** Between tries of a sync address that is not on the node yet. */
const ADDRESS_RETRY_MS = 1000;

/**
 * openLink, waiting up to `waitMs` for what is not there yet (SyncLinkNotReadyError): an
 * address or an interface that comes up late (ifupdown, keepalived, a bond or VLAN made after
 * half-syncd started), an IPv6 address still in duplicate address detection, a port that is
 * taken. Unicast binds the address; multicast binds the group, scoped to the interface for IPv6,
 * and joins it there, so both wait alike. Told once, tried every second. After that the start
 * fails (exit 69) naming the half.conf key, and the unit starts half-syncd again, so a wrong
 * address or interface name costs a start every half minute, not every 2 s.
 */
async function openLinkWaiting(link: SyncLink, section: string, port: number, clock: Clock, logger: Logger, waitMs: number, rejoined: () => void, abort?: AbortSignal): Promise<Channel> {
  const deadline = Date.now() + waitMs;
  for (let told = false; ; told = true) {
    try {
      return await openLink(link, port, clock, logger, rejoined);
    } catch (error) {
      if (!(error instanceof SyncLinkNotReadyError)) throw error;
      if (Date.now() + ADDRESS_RETRY_MS > deadline) throw notReadyInTime(error, link, section, waitMs);
      if (!told) logger.warn(`${WAITING_FOR[error.awaiting]}: waiting for it`, { address: link.address.text, interface: link.interface, waitSeconds: Math.round(waitMs / 1000) });
      // a stop asked meanwhile ends the wait at once (review: SIGTERM waited out the whole wait, then the start)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ADDRESS_RETRY_MS);
        abort?.addEventListener('abort', done, { once: true });
        function done(): void {
          clearTimeout(timer);
          abort?.removeEventListener('abort', done);
          resolve();
        }
      });
      if (abort?.aborted === true) throw new StartStoppedError(`stopped while waiting for the sync link ${link.interface} (${link.address.text})`);
    }
  }
}

const WAITING_FOR = {
  address: 'the sync address is not on this node yet',
  interface: 'the sync interface is not on this node yet',
  port: 'the sync port is taken (another program, or a half-syncd still stopping)',
} as const;

/** The wait is over: the error names the half.conf key to check, the channel's error stays the cause. */
function notReadyInTime(error: SyncLinkNotReadyError, link: SyncLink, section: string, waitMs: number): DaemonStartError {
  const waited = waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s)` : '';
  if (error.awaiting === 'port') return error;
  const key = error.awaiting === 'address' ? `[${section}] address = ${link.address.text}` : `[${section}] interface = ${link.interface}`;
  const fix =
    error.awaiting === 'address'
      ? `configure ${link.address.text} on ${link.interface}, or set [${section}] address in /etc/half/half.conf to an address this node has`
      : `create ${link.interface} (or bring it up), or set [${section}] interface in /etc/half/half.conf to a name \`ip link\` shows`;
  return new DaemonStartError(`${key} is not on this node${waited}: ${error.message}`, { hint: `${fix} (half-syncd is restarted until it can open the link)`, cause: error });
}

async function openLink(link: SyncLink, port: number, clock: Clock, logger: Logger, rejoined: () => void): Promise<Channel> {
  const group = link.multicastGroup;
  if (group !== undefined) {
    return UdpMulticastChannel.open({
      group: group.text,
      port,
      interface: link.address.family === 4 ? link.address.text : link.interface,
      receiveBufferBytes: SOCKET_BUFFER_BYTES,
      // the interface deleted and made again (ifdown/ifup of a VLAN or bond): join the group there anew
      ifname: link.interface,
      clock,
      onRejoin: (ifname, rejoins) => {
        rejoined();
        logger.warn('sync interface was made again: joined the multicast group on it anew', { interface: ifname, group: group.text, rejoins });
      },
    });
  }
  return UdpUnicastChannel.open({
    localAddress: link.address.text,
    port,
    peers: link.peers.map((p) => p.text),
    receiveBufferBytes: SOCKET_BUFFER_BYTES,
    sendBufferBytes: SOCKET_BUFFER_BYTES,
  });
}

/** The sync channel, and with two links how each fares (`half status`). */
export interface SyncChannel {
  readonly channel: Channel;
  readonly links: (() => SyncLinksView) | undefined;
  /** Times a multicast link joined its group anew on an interface made again, all links together. */
  readonly multicastRejoins: () => number;
}

/** Opens the configured link(s), waiting up to `addressWaitMs` for an address not on the node yet; bind problems name the address. */
export async function openSyncChannel(config: HalfConfig, clock: Clock, logger: Logger, addressWaitMs = 0, abort?: AbortSignal): Promise<SyncChannel> {
  const [first, second] = config.sync.links;
  let rejoins = 0;
  const rejoined = (): void => void rejoins++;
  const multicastRejoins = (): number => rejoins;
  const one = await openLinkWaiting(first, 'sync', config.sync.port, clock, logger, addressWaitMs, rejoined, abort);
  if (second === undefined) return { channel: one, links: undefined, multicastRejoins };
  let two: Channel;
  try {
    two = await openLinkWaiting(second, 'sync2', config.sync.port, clock, logger, addressWaitMs, rejoined, abort);
  } catch (error) {
    await one.close();
    throw error;
  }
  const pairs = first.peers.map((peer, i) => [peer.text, second.peers[i]?.text ?? peer.text] as const);
  const names = [first.interface, second.interface] as const;
  const pair = new RedundantPair({
    clock,
    links: [one, two],
    peerAddresses: pairs,
    deadAfterMs: 1000,
    // at most one line per 30 s however the links flap; `switches` in half status counts them all
    onSwitch: (to, reason, unreported) =>
      logger.warn('sync link switched', { to: names[to], from: names[to === 0 ? 1 : 0], reason, ...(unreported > 0 ? { switchesNotLogged: unreported } : {}) }),
  });
  return {
    channel: pair,
    links: () => ({ switches: pair.switches, links: pair.links().map((link, i) => ({ interface: names[i] as string, ...link })) }),
    multicastRejoins,
  };
}

/**
 * Which sources may send sync frames on each link (by its index): a unicast link's configured
 * peers. A multicast link names no peers, so any source on it is heard (frames are still
 * authenticated, and the firewall rules HALF loads admit the sync port only on the sync
 * interfaces); a unicast link beside it still hears only its peers.
 */
export function acceptSourceFor(config: HalfConfig): (address: string, link: number) => boolean {
  const perLink = config.sync.links.map((link) => (link.multicastGroup !== undefined ? () => true : sourceFilter(link.peers.map((p) => p.text))));
  return (address, link) => perLink[link]?.(address) ?? false;
}

/** The sync interface's MTU (sysfs of this network namespace); 1500 when it cannot be read. */
export async function linkMtu(ifname: string): Promise<number> {
  try {
    const mtu = Number((await readFile(`/sys/class/net/${ifname}/mtu`, 'utf8')).trim());
    return Number.isInteger(mtu) && mtu >= 576 ? Math.min(mtu, 65535) : 1500;
  } catch {
    return 1500;
  }
}

/** Protocol options that follow from the links: the smallest MTU of them, the IP version. */
export async function linkSyncOptions(config: HalfConfig): Promise<Partial<SyncOptions>> {
  const mtus = await Promise.all(config.sync.links.map((link) => linkMtu(link.interface)));
  return { mtu: Math.min(...mtus), ipVersion: config.sync.links[0].address.family };
}
