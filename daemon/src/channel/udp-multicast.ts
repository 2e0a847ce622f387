// Sync over UDP multicast on the sync interface: the socket is bound to the group and port (so
// only datagrams for the group arrive), joins the group on the sync interface, and sends to the
// group through that interface with TTL 1 (never routed) and loopback off (no copies of our own
// frames). Targeted frames go to the group as well: receivers ignore what is not for them.
// Model: conntrack-tools' src/channel_mcast.c and src/mcast.c (IP_MULTICAST_IF, TTL, LOOP).
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ConfigError, SyncLinkNotReadyError } from '../errors.js';
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
}

export class UdpMulticastChannel extends UdpChannelBase {
  private constructor(
    socket: Socket,
    private readonly options: UdpMulticastOptions,
  ) {
    super(socket);
  }

  static async open(options: UdpMulticastOptions): Promise<UdpMulticastChannel> {
    const v6 = isIPv6(options.group);
    const iface = v6 && !options.interface.includes(':') ? `::%${options.interface}` : options.interface;
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true, lookup: literalLookup });
    const bindAddress = v6 ? `${options.group}${iface.slice(iface.indexOf('%'))}` : options.group;
    await bindSocket(socket, { address: bindAddress, port: options.port, what: 'sync multicast channel' });
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
    return new UdpMulticastChannel(socket, { ...options, interface: iface });
  }

  send(frame: Uint8Array): void {
    const group = isIPv6(this.options.group) ? `${this.options.group}${this.options.interface.slice(this.options.interface.indexOf('%'))}` : this.options.group;
    this.socket.send(frame, this.options.port, group, this.sent);
  }
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
