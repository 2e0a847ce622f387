// Sync over UDP multicast on the sync interface: the socket is bound to the group and port (so
// only datagrams for the group arrive), joins the group on the sync interface, and sends to the
// group through that interface with TTL 1 (never routed) and loopback off (no copies of our own
// frames). Targeted frames go to the group as well: receivers ignore what is not for them.
// Membership, IP_MULTICAST_IF and an IPv6 bind hold the interface's index, not its name: given the
// interface's name (`ifname`), the channel looks at its index every `watchEveryMs` and, when the
// interface was deleted and made again, opens a new socket on it in place of the old one (IPv4
// sends fail with ENODEV meanwhile, IPv6 sends go nowhere, and nothing is received).
// Model: conntrack-tools' src/channel_mcast.c and src/mcast.c (IP_MULTICAST_IF, TTL, LOOP).
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ConfigError, SyncLinkNotReadyError } from '../errors.js';
import type { Clock, TimerHandle } from '../sync/clock.js';
import { interfaceIndex } from './interface-index.js';
import { literalLookup } from './literal-lookup.js';
import { bindSocket } from './socket-bind.js';
import { UdpChannelBase } from './udp-channel-base.js';

export interface UdpMulticastOptions {
  /** Group address: IPv4 (e.g. in 239.0.0.0/8) or IPv6 link-local scope (ff02::/16). */
  readonly group: string;
  readonly port: number;
  /**
   * The sync interface: for IPv4 its address (e.g. 203.0.113.1); for IPv6 `::%<ifname>` (Node's
   * IPV6_MULTICAST_IF syntax) or the interface name alone.
   */
  readonly interface: string;
  readonly ttl?: number;
  readonly receiveBufferBytes?: number;
  /** The sync interface's name, watched for being made again (none: not watched). */
  readonly ifname?: string;
  readonly clock?: Clock;
  /** Between two looks at the interface's index; 5 s by default. */
  readonly watchEveryMs?: number;
  /** Told each time the channel rejoined the group on a new interface of the name, with how often it did. */
  readonly onRejoin?: (ifname: string, rejoins: number) => void;
}

export class UdpMulticastChannel extends UdpChannelBase {
  private rejoinCount = 0;
  private timer: TimerHandle | undefined;
  private closed = false;

  private constructor(
    socket: Socket,
    private readonly options: UdpMulticastOptions,
    private ifindex: number | undefined,
  ) {
    super(socket);
    this.watch();
  }

  static async open(options: UdpMulticastOptions): Promise<UdpMulticastChannel> {
    const ifindex = options.ifname === undefined ? undefined : await interfaceIndex(options.ifname);
    return new UdpMulticastChannel(await joinedSocket(options), options, ifindex);
  }

  send(frame: Uint8Array): void {
    const { group, port } = this.options;
    this.socket.send(frame, port, isIPv6(group) ? `${group}${scope(this.options)}` : group, this.sent);
  }

  override async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.options.clock?.clearTimeout(this.timer);
    await super.close();
  }

  private watch(): void {
    const { ifname, clock } = this.options;
    if (ifname === undefined || clock === undefined || this.closed) return;
    this.timer = clock.setTimeout(() => void this.look(ifname).finally(() => this.watch()), this.options.watchEveryMs ?? 5000);
  }

  /** A new index under the name: join there with a new socket. Gone, or not ready yet: the next look tries again. */
  private async look(ifname: string): Promise<void> {
    const now = await interfaceIndex(ifname);
    if (now === undefined || now === this.ifindex) return;
    if (this.ifindex === undefined) {
      this.ifindex = now; // not readable when the channel opened (sysfs of another namespace?): nothing to compare
      return;
    }
    let socket: Socket;
    try {
      socket = await joinedSocket(this.options);
    } catch {
      return; // its address not on it yet (IPv4): the next look
    }
    if (this.closed) {
      socket.close();
      return;
    }
    this.replaceSocket(socket);
    this.ifindex = now;
    this.rejoinCount++;
    this.options.onRejoin?.(ifname, this.rejoinCount);
  }
}

/** `%ifname` of the IPv6 group's scope. */
function scope(options: UdpMulticastOptions): string {
  return options.interface.includes('%') ? options.interface.slice(options.interface.indexOf('%')) : `%${options.interface}`;
}

/** A socket bound to the group and port, joined on the interface, sending there. */
async function joinedSocket(options: UdpMulticastOptions): Promise<Socket> {
  const v6 = isIPv6(options.group);
  const iface = v6 && !options.interface.includes(':') ? `::%${options.interface}` : options.interface;
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true, lookup: literalLookup });
  await bindSocket(socket, { address: v6 ? `${options.group}${scope(options)}` : options.group, port: options.port, what: 'sync multicast channel' });
  try {
    socket.addMembership(options.group, iface);
    socket.setMulticastInterface(iface);
    socket.setMulticastTTL(options.ttl ?? 1);
    socket.setMulticastLoopback(false);
    if (options.receiveBufferBytes !== undefined) socket.setRecvBufferSize(options.receiveBufferBytes);
  } catch (error) {
    socket.close();
    throw joinError(options, error as NodeJS.ErrnoException);
  }
  return socket;
}

/**
 * Joining the group or choosing the interface failed. ENODEV (IPv4: no interface has that
 * address; IPv6: the interface is gone) and EADDRNOTAVAIL (IP_MULTICAST_IF: the address is not
 * on the node) mean the sync interface or its address is not there yet: worth waiting for, as a
 * unicast bind is. Anything else is the configuration's.
 */
function joinError(options: UdpMulticastOptions, error: NodeJS.ErrnoException): Error {
  const message = `cannot join multicast group ${options.group} on ${options.interface}: ${error.message}`;
  if (error.code === 'ENODEV' || error.code === 'EADDRNOTAVAIL') {
    const awaiting = isIPv6(options.group) ? 'interface' : 'address';
    const hint = `bring up the sync interface with ${options.interface}${awaiting === 'address' ? ' on it' : ''} (half-syncd is restarted until it can join)`;
    return new SyncLinkNotReadyError(message, awaiting, { hint, cause: error });
  }
  return new ConfigError(message, {
    hint: 'check that the sync interface exists, is up and has that address; the group must be a multicast address',
    cause: error,
  });
}
