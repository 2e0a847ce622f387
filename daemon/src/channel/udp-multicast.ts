// Sync over UDP multicast on the sync interface: the socket is bound to the group and port (so
// only datagrams for the group arrive), joins the group on the sync interface, and sends to the
// group through that interface with TTL 1 (never routed) and loopback off (no copies of our own
// frames). Targeted frames go to the group as well: receivers ignore what is not for them.
// Model: conntrack-tools' src/channel_mcast.c and src/mcast.c (IP_MULTICAST_IF, TTL, LOOP).
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';
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
      throw new ConfigError(`cannot join multicast group ${options.group} on ${options.interface}: ${(error as Error).message}`, {
        hint: 'check that the sync interface exists, is up and has that address; the group must be a multicast address',
        cause: error,
      });
    }
    return new UdpMulticastChannel(socket, { ...options, interface: iface });
  }

  send(frame: Uint8Array): void {
    const group = isIPv6(this.options.group) ? `${this.options.group}${this.options.interface.slice(this.options.interface.indexOf('%'))}` : this.options.group;
    this.socket.send(frame, this.options.port, group, this.sent);
  }
}
