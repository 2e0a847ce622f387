// Who holds the notify FIFO open, as half-syncd asks before removing the FIFO it made: a real
// FIFO, a real holder (a process named keepalived, standing in for it), and half-syncd's
// capability set as its unit bounds it (setpriv), under which keepalived's descriptors cannot be
// read: "cannot tell" must keep the FIFO, as "held" does.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fifoHolders } from '../../../daemon/src/runtime/notify-inputs.js';
import { requireTool, run } from '../../helpers/tools.js';

describe('fifoHolders', () => {
  let dir: string;
  let fifo: string;
  let holder: ChildProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-fifo-'));
    fifo = join(dir, 'notify.fifo');
    await run('mkfifo', [fifo], { check: true });
  });

  afterEach(async () => {
    if (holder?.pid !== undefined && holder.exitCode === null) holder.kill('SIGKILL');
    holder = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const hold = async (): Promise<void> => {
    // comm "keepalived": sleep(1) under that name
    const keepalived = join(dir, 'keepalived');
    await copyFile((await run('sh', ['-c', 'command -v sleep'], { check: true })).stdout.trim(), keepalived);
    await run('chmod', ['0755', keepalived], { check: true });
    holder = spawn('sh', ['-c', `exec 3<>"$1"; echo ready; exec "$2" 60`, 'sh', fifo, keepalived], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => holder?.stdout?.once('data', resolve));
  };

  it('tells a FIFO nobody holds from one another process holds', async () => {
    expect(await fifoHolders(fifo)).toBe('none'); // also where init's descriptors cannot be read (a container)
    await hold();
    expect(await fifoHolders(fifo)).toBe('held');
  });

  it('cannot tell under the unit\'s capability bounding set, and never says "none" then', async () => {
    requireTool('setpriv');
    await hold();
    const module = join(process.cwd(), 'daemon/src/runtime/notify-inputs.ts');
    const script = `import(${JSON.stringify(module)}).then(async (m) => console.log(await m.fifoHolders(process.argv[1])))`;
    const bounded = await run('setpriv', ['--bounding-set', '-all,+net_admin,+net_bind_service', process.execPath, '--import', 'tsx', '-e', script, fifo]);
    expect(bounded.stderr).toBe('');
    expect(bounded.stdout.trim()).toBe('unknown');
  });
});
