// The control socket's file: bound inside a fresh directory of mode 0700 next to the configured
// path, made mode 0600, then renamed onto that path, so no other user can ever connect to it with
// looser permissions: bind(2) gives the socket the process umask's mode (0777 under umask 0), and
// a client that connected before the chmod would keep its connection; the directory shuts that
// window whatever the umask, without changing the process-wide umask (rename(2) is atomic, and a
// unix socket stays bound to its inode). A leftover socket from a crashed daemon is replaced; a
// live one (someone answers) or a file that is not a socket is never touched.
import { connect, type Server } from 'node:net';
import { chmod, lstat, mkdir, mkdtemp, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CONTROL_SOCKET_MAX_BYTES } from '../config/validate-daemon.js';
import { ConfigError, HalfRepoError } from '../errors.js';

/** The control socket path cannot be used as configured (restarting will not help: exit 78). */
export class SocketPathError extends ConfigError {}

/** The control socket cannot be had now (another daemon answers on it, a bind failed: exit 69). */
export class SocketBusyError extends HalfRepoError {}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether something accepts connections on `path`. */
export function isListening(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function clearStale(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw new SocketBusyError(`cannot inspect the control socket path ${path}: ${String(error)}`, { cause: error });
  }
  if (!info.isSocket()) {
    throw new SocketPathError(`${path} exists and is not a socket`, { hint: 'remove it, or set control-socket in [daemon] of half.conf to another path' });
  }
  if (await isListening(path)) {
    throw new SocketBusyError(`another process already answers on the control socket ${path}`, { hint: 'is half-syncd already running? (`systemctl status half-syncd`)' });
  }
  await unlink(path).catch((error: unknown) => {
    if (errnoOf(error) !== 'ENOENT') throw new SocketBusyError(`cannot remove the stale control socket ${path}: ${String(error)}`, { cause: error });
  });
}

function listenOn(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Binds `server` to `path` with mode 0600; returns the inode now at `path` (see removeSocketFile). */
export async function bindSocketFile(server: Server, path: string): Promise<number> {
  if (Buffer.byteLength(path) > CONTROL_SOCKET_MAX_BYTES) {
    throw new SocketPathError(`the control socket path ${path} is too long for a unix socket (at most ${CONTROL_SOCKET_MAX_BYTES} bytes)`, { hint: 'choose a shorter control-socket path in half.conf' });
  }
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new SocketPathError(`cannot create ${dirname(path)}, the folder of the control socket: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
      hint: 'set [daemon] control-socket in /etc/half/half.conf to a path below /run/half (under half-syncd\'s unit only /run/half and /var/lib/half are writable)',
    });
  }
  await clearStale(path);
  try {
    // mkdtemp(3) makes the directory 0700 under any umask, with a name nobody could have prepared
    const folder = await mkdtemp(`${path}.`);
    const temporary = join(folder, 's');
    try {
      await listenOn(server, temporary);
      await chmod(temporary, 0o600);
      await rename(temporary, path);
    } catch (error) {
      server.close();
      await unlink(temporary).catch(() => undefined);
      throw error;
    } finally {
      await rmdir(folder).catch(() => undefined);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const Refusal = code === 'EACCES' || code === 'EROFS' || code === 'EPERM' ? SocketPathError : SocketBusyError; // the folder will not become writable by itself
    throw new Refusal(`cannot create the control socket ${path}: ${(error as Error).message}`, { cause: error, hint: `check that ${dirname(path)} is a writable directory` });
  }
  return (await lstat(path)).ino;
}

/** Removes `path` if it is still the socket we bound (same inode): never a successor's. */
export async function removeSocketFile(path: string, inode: number): Promise<void> {
  try {
    const info = await lstat(path);
    if (info.isSocket() && info.ino === inode) await unlink(path);
  } catch {
    // already gone
  }
}
