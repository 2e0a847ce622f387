// Sync over UDP unicast: one socket bound to this node's sync address, datagrams sent to a fixed
// list of peer addresses (every peer, or one for targeted frames). The source address of each
// datagram is reported to the protocol, which accepts only configured peers.
// Model: conntrack-tools' src/channel_udp.c and src/udp.c.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Channel, ChannelErrorHandler, FrameHandler } from './channel.js';
import { bindSocket } from './socket-bind.js';

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

export class UdpUnicastChannel implements Channel {
  private handler: FrameHandler | undefined;
  private readonly errorHandlers: ChannelErrorHandler[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly options: UdpUnicastOptions,
  ) {
    socket.on('message', (frame, info) => {
      this.handler?.(frame, info.address);
    });
    socket.on('error', (error) => this.emitError(error));
  }

  static async open(options: UdpUnicastOptions): Promise<UdpUnicastChannel> {
    const socket = createSocket({ type: isIPv6(options.localAddress) ? 'udp6' : 'udp4' });
    await bindSocket(socket, { address: options.localAddress, port: options.port, what: 'sync unicast channel' });
    if (options.receiveBufferBytes !== undefined) socket.setRecvBufferSize(options.receiveBufferBytes);
    if (options.sendBufferBytes !== undefined) socket.setSendBufferSize(options.sendBufferBytes);
    return new UdpUnicastChannel(socket, options);
  }

  send(frame: Uint8Array, peer?: string): void {
    const port = this.options.peerPort ?? this.options.port;
    for (const address of peer === undefined ? this.options.peers : [peer]) {
      this.socket.send(frame, port, address, (error) => {
        if (error) this.emitError(error);
      });
    }
  }

  sendOnEveryLink(makeFrame: () => Uint8Array): void {
    this.send(makeFrame());
  }

  onMessage(handler: FrameHandler): void {
    this.handler = handler;
  }

  onError(handler: ChannelErrorHandler): void {
    this.errorHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.handler = undefined;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private emitError(error: Error): void {
    for (const handler of this.errorHandlers) handler(error);
  }
}
