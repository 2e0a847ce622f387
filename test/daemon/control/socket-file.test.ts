// The control socket's file (daemon/src/control/socket-file.ts) under the loosest umask: at no
// moment, not even when the socket has just been bound and is not yet mode 0600, can another
// user reach it, since a client that connects then keeps its connection. Checked by modes at the
// moment the server starts listening (the window), and after.
import { lstatSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindSocketFile, removeSocketFile } from '../../../daemon/src/control/socket-file.js';

/**
 * Whether a user other than the owner (in the group, or not) could connect to `socket`: every
 * folder from the socket's up to `top` searchable for them, and the socket writable.
 */
function reachableByOthers(socket: string, top: string): boolean {
  const folders: string[] = [];
  for (let folder = dirname(socket); ; folder = dirname(folder)) {
    folders.push(folder);
    if (folder === top || folder === dirname(folder)) break;
  }
  const mode = lstatSync(socket).mode;
  const canConnect = (search: number, write: number) => (mode & write) !== 0 && folders.every((f) => (lstatSync(f).mode & search) !== 0);
  return canConnect(0o010, 0o020) || canConnect(0o001, 0o002);
}

describe('bindSocketFile', () => {
  let dir: string;
  let server: Server;
  let umask: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-sockfile-'));
    server = createServer();
    umask = process.umask(0);
  });

  afterEach(async () => {
    process.umask(umask);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('under umask 0, never lets another user reach the socket, even just after it is bound', async () => {
    const path = join(dir, 'run', 'half.sock'); // run/ is bindSocketFile's to create, mode 0755
    const atListening: { bound: string; reachable: boolean }[] = [];
    server.once('listening', () => {
      const bound = server.address() as string;
      atListening.push({ bound, reachable: reachableByOthers(bound, dirname(path)) });
    });
    const inode = await bindSocketFile(server, path);
    expect(atListening).toHaveLength(1);
    expect(atListening[0]?.bound).not.toBe(path); // bound elsewhere first, then renamed
    expect(atListening[0]?.reachable).toBe(false);
    expect(lstatSync(dirname(path)).mode & 0o777).toBe(0o755);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(reachableByOthers(path, dirname(path))).toBe(false);
    expect(await readdir(dirname(path))).toEqual(['half.sock']); // the temporary folder is gone
    await removeSocketFile(path, inode);
  });

  it('leaves no temporary folder behind when the bind fails', async () => {
    const path = join(dir, 'half.sock');
    const busy = createServer();
    try {
      // the server is already listening elsewhere: listen() refuses
      await new Promise<void>((resolve) => busy.listen(join(dir, 'other.sock'), resolve));
      await expect(bindSocketFile(busy, path)).rejects.toThrow(/cannot create the control socket/);
      expect((await readdir(dir)).filter((name) => name.startsWith('half.sock'))).toEqual([]);
    } finally {
      busy.close();
    }
  });
});
