// Binding a UDP socket, with an error that names the address and the likely fix instead of an
// unhandled 'error' event. An address not there (yet: an interface that comes up late, an IPv6
// address still in duplicate address detection) or a port taken is a start error (exit 69, which
// the unit restarts); anything else is the configuration's (exit 78, not restarted).
import type { Socket } from 'node:dgram';
import { ConfigError, DaemonStartError } from '../errors.js';

export function bindSocket(socket: Socket, target: { readonly address: string; readonly port: number; readonly what: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.close();
      const passing = error.code === 'EADDRNOTAVAIL' || error.code === 'EADDRINUSE';
      reject(
        new (passing ? DaemonStartError : ConfigError)(`cannot bind the ${target.what} to ${target.address} port ${target.port}: ${error.code ?? error.message}`, {
          hint:
            error.code === 'EADDRNOTAVAIL'
              ? `configure ${target.address} on the sync interface, or set the sync address to one this node has (half-syncd is restarted until it can bind)`
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
