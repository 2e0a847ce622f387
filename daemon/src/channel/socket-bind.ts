// Binding a UDP socket, with an error that names the address and the likely fix instead of an
// unhandled 'error' event. An address not there (yet: an interface that comes up late, an IPv6
// address still in duplicate address detection), an IPv6 group scoped to an interface that does
// not exist (yet: Node turns `%ifname` into scope 0, which the kernel refuses with EINVAL) or a
// port taken is worth waiting for (SyncLinkNotReadyError, exit 69 when the wait ends, which the
// unit restarts); anything else is the configuration's (exit 78, not restarted).
import type { Socket } from 'node:dgram';
import { ConfigError, SyncLinkNotReadyError } from '../errors.js';

export function bindSocket(socket: Socket, target: { readonly address: string; readonly port: number; readonly what: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.close();
      const message = `cannot bind the ${target.what} to ${target.address} port ${target.port}: ${error.code ?? error.message}`;
      const zone = target.address.includes('%') ? target.address.slice(target.address.indexOf('%') + 1) : undefined;
      if (error.code === 'EADDRNOTAVAIL') {
        const hint = `configure ${target.address} on the sync interface, or set the sync address to one this node has (half-syncd is restarted until it can bind)`;
        reject(new SyncLinkNotReadyError(message, 'address', { hint, cause: error }));
      } else if (error.code === 'EADDRINUSE') {
        reject(new SyncLinkNotReadyError(message, 'port', { hint: `another process uses UDP port ${target.port} (is a second half-syncd running?)`, cause: error }));
      } else if (error.code === 'EINVAL' && zone !== undefined) {
        const hint = `create interface ${zone}, or set the sync interface to one this node has (half-syncd is restarted until it can bind)`;
        reject(new SyncLinkNotReadyError(`${message} (interface ${zone} not found)`, 'interface', { hint, cause: error }));
      } else {
        reject(new ConfigError(message, { hint: 'check the sync address and port in /etc/half/half.conf', cause: error }));
      }
    };
    socket.once('error', onError);
    socket.bind({ address: target.address, port: target.port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}
