// What every UDP channel shares: one bound socket whose datagrams go to the protocol's handler
// with their source address, error fan-out, and closing. Subclasses decide where frames are sent.
import type { Socket } from 'node:dgram';
import type { Channel, ChannelErrorHandler, FrameHandler } from './channel.js';

export abstract class UdpChannelBase implements Channel {
  private handler: FrameHandler | undefined;
  private readonly errorHandlers: ChannelErrorHandler[] = [];

  protected constructor(protected readonly socket: Socket) {
    socket.on('message', (frame, info) => {
      this.handler?.(frame, info.address);
    });
    socket.on('error', (error) => this.emitError(error));
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

  protected emitError(error: Error): void {
    for (const handler of this.errorHandlers) handler(error);
  }

  /** The callback for socket.send: a failed send is reported, never thrown. */
  protected readonly sent = (error: Error | null): void => {
    if (error) this.emitError(error);
  };
}
