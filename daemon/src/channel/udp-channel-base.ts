// What every UDP channel shares: one bound socket whose datagrams go to the protocol's handler
// with their source address, error fan-out, and closing. Subclasses decide where frames are sent,
// and may put a new socket in place of the old one (a multicast link rejoining its group).
import type { Socket } from 'node:dgram';
import type { Channel, ChannelErrorHandler, FrameHandler } from './channel.js';

export abstract class UdpChannelBase implements Channel {
  private handler: FrameHandler | undefined;
  private readonly errorHandlers: ChannelErrorHandler[] = [];

  protected constructor(protected socket: Socket) {
    this.listen(socket);
  }

  abstract send(frame: Uint8Array, peer?: string): void;

  /** One socket is one link: the frame goes out once. */
  sendOnEveryLink(makeFrame: (flags: number) => Uint8Array): void {
    this.send(makeFrame(0));
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

  /** `next` in place of the current socket, which is closed. */
  protected replaceSocket(next: Socket): void {
    const old = this.socket;
    this.socket = next;
    this.listen(next);
    old.removeAllListeners('message');
    old.close();
  }

  private listen(socket: Socket): void {
    socket.on('message', (frame, info) => {
      this.handler?.(frame, info.address);
    });
    socket.on('error', (error) => this.emitError(error));
  }

  protected emitError(error: Error): void {
    for (const handler of this.errorHandlers) handler(error);
  }

  /** The callback for socket.send: a failed send is reported, never thrown. */
  protected readonly sent = (error: Error | null): void => {
    if (error) this.emitError(error);
  };
}
