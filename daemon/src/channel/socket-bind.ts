// Binding a UDP socket, with a configuration error that names the address and the likely fix
// instead of an unhandled 'error' event.
import type { Socket } from 'node:dgram';
import { ConfigError } from '../errors.js';

export function bindSocket(socket: Socket, target: { readonly address: string; readonly port: number; readonly what: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.close();
      reject(
        new ConfigError(`cannot bind the ${target.what} to ${target.address} port ${target.port}: ${error.code ?? error.message}`, {
          hint:
            error.code === 'EADDRNOTAVAIL'
              ? `configure ${target.address} on the sync interface, or set the sync address to one this node has`
              : error.code === 'EADDRINUSE'
                ? `another process uses UDP port ${target.port} (is a second half-syncd running?)`
                : 'check the sync address and port in /etc/half/half.conf',
          cause: error,
        }),
      );
    };
    socket.once('error', onError);
    socket.bind({ address: target.address, port: target.port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}
