// Sync over UDP unicast: one socket bound to this node's sync address, datagrams sent to a fixed
// list of peer addresses (every peer, or one for targeted frames). The source address of each
// datagram is reported to the protocol, which accepts only configured peers.
// Model: conntrack-tools' src/channel_udp.c and src/udp.c.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { literalLookup } from './literal-lookup.js';
import { bindSocket } from './socket-bind.js';
import { UdpChannelBase } from './udp-channel-base.js';

export interface UdpUnicastOptions {
  /** The sync address of this node (the socket is bound to it). */
  readonly localAddress: string;
  readonly port: number;
  /** Peer sync addresses; they listen on the same port unless peerPort says otherwise. */
  readonly peers: readonly string[];
  readonly peerPort?: number;
  readonly receiveBufferBytes?: number;
  readonly sendBufferBytes?: number;
}

export class UdpUnicastChannel extends UdpChannelBase {
  private constructor(
    socket: Socket,
    private readonly options: UdpUnicastOptions,
  ) {
    super(socket);
  }

  static async open(options: UdpUnicastOptions): Promise<UdpUnicastChannel> {
    const socket = createSocket({ type: isIPv6(options.localAddress) ? 'udp6' : 'udp4', lookup: literalLookup });
    await bindSocket(socket, { address: options.localAddress, port: options.port, what: 'sync unicast channel' });
    if (options.receiveBufferBytes !== undefined) socket.setRecvBufferSize(options.receiveBufferBytes);
    if (options.sendBufferBytes !== undefined) socket.setSendBufferSize(options.sendBufferBytes);
    return new UdpUnicastChannel(socket, options);
  }

  send(frame: Uint8Array, peer?: string): void {
    const port = this.options.peerPort ?? this.options.port;
    for (const address of peer === undefined ? this.options.peers : [peer]) {
      this.socket.send(frame, port, address, this.sent);
    }
  }
}
