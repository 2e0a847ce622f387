// A minimal passive FTP exchange through the kernel tests' topology (topology.ts): the server
// greets, answers the client's PASV with 198.51.100.2 port 195*256+80 = 50000, and keeps the
// control connection open; the ftp helper on the firewall then expects the data connection.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Topology } from './topology.js';
import { waitForOutput } from './topology.js';

export const PASV_PORT = 50000;
const PASV = '227 Entering Passive Mode (198,51,100,2,195,80).';

/** The server side's scripts, in a directory of their own (remove() deletes it). */
export class FtpScripts {
  private constructor(readonly dir: string) {}

  static async create(): Promise<FtpScripts> {
    const dir = await mkdtemp(join(tmpdir(), 'h5-ftp-'));
    await writeFile(join(dir, 'control.sh'), `printf '220 ready\\r\\n'\nread cmd\nprintf '${PASV}\\r\\n'\nsleep 120\n`);
    await writeFile(join(dir, 'data.sh'), 'echo data over the expected connection\n');
    return new FtpScripts(dir);
  }

  /** The data server on PASV_PORT (a connection the ruleset admits only as expected). */
  startDataServer(topo: Topology): void {
    topo.spawnIn(topo.server, 'socat', [`TCP-LISTEN:${PASV_PORT},reuseaddr,fork`, `EXEC:/bin/sh ${join(this.dir, 'data.sh')}`]);
  }

  /** Starts the control server, connects the client and sends PASV; resolves once the answer is through. */
  async passiveSession(topo: Topology): Promise<void> {
    topo.spawnIn(topo.server, 'socat', ['TCP-LISTEN:21,reuseaddr', `EXEC:/bin/sh ${join(this.dir, 'control.sh')}`]);
    await new Promise((r) => setTimeout(r, 300));
    const control = topo.spawnIn(topo.client, 'socat', ['-', 'TCP:198.51.100.2:21']);
    await waitForOutput(control, '220 ready');
    control.stdin?.write('PASV\r\n');
    await waitForOutput(control, '227 Entering Passive Mode');
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}
