// The bundled `half` and `half-notify` as real processes (esbuild output, run by node), against a
// control server on a real unix socket: exit statuses and output as an admin or keepalived sees
// them, including a caller without permission on the socket.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliExit } from '../../../daemon/src/cli/exit-codes.js';
import { ControlServer } from '../../../daemon/src/control/control-server.js';
import { requireTool, run } from '../../helpers/tools.js';
import { RecordingHandler } from '../control/fixtures/sample-status.js';
import { bundle } from './bundle.js';
import { halfConf } from './fixtures.js';

describe('the bundled binaries', () => {
  let dir: string;
  let half: string;
  let notify: string;
  let socket: string;
  let handler: RecordingHandler;
  let server: ControlServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-bin-'));
    await chmod(dir, 0o755);
    half = await bundle('daemon/src/cli/half-main.ts', dir);
    notify = await bundle('daemon/src/cli/half-notify-main.ts', dir);
    await mkdir(join(dir, 'run'), { mode: 0o755 });
    socket = join(dir, 'run', 'half.sock');
    handler = new RecordingHandler();
    server = new ControlServer(handler, { path: socket });
    await server.listen();
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('half status --json prints the status and exits 0', async () => {
    const r = await run('node', [half, 'status', '--json', '--socket', socket]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(handler.current);
  });

  it('half --version shows the release set at bundling time', async () => {
    expect((await run('node', [half, '--version'])).stdout).toBe('half 0.1.0-test\n');
  });

  it('exits 4 with the way to configure when nothing is configured', async () => {
    const r = await run('node', [half, 'status', '--config', join(dir, 'none.conf')]); // so the default socket, absent here
    expect(r.exitCode).toBe(CliExit.notConfigured);
    expect(r.stderr).toContain('not configured');
    expect(r.stderr).toContain('run dpkg-reconfigure half-syncd, or edit /etc/half/half.conf and then run half configure --apply');
  });

  it('exits 3 for a caller without permission on the socket', async () => {
    requireTool('setpriv');
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', half, 'status', '--socket', socket]);
    expect(r.exitCode).toBe(CliExit.daemonUnavailable);
    expect(r.stderr).toBe(`half: permission denied on the control socket ${socket}\n  fix: run half as root (the socket is mode 0600)\n`);
    expect(handler.calls.filter((c) => c === 'status')).toHaveLength(1);
  });

  it('says half.conf cannot be read, not that half-syncd is not running, to a caller who may not read it', async () => {
    requireTool('setpriv');
    const conf = join(dir, 'root-only.conf');
    await writeFile(conf, halfConf(socket), { mode: 0o600 });
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', half, 'status', '--config', conf]);
    expect(r.exitCode).toBe(CliExit.notConfigured);
    expect(r.stderr).toMatch(new RegExp(`^half: ${conf} cannot be read \\(EACCES\\), so its control socket is unknown; tried the default: half-syncd is not running: its control socket /run/half/half.sock does not exist\n  fix: run half as root`));
  });

  it('half doctor run without permission on the socket says to run it as root', async () => {
    requireTool('setpriv');
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', half, 'doctor', '--json', '--config', join(dir, 'none.conf'), '--socket', socket]);
    const checks = (JSON.parse(r.stdout) as { checks: { id: string; status: string; summary: string; fix?: string }[] }).checks;
    expect(checks.find((c) => c.id === 'daemon')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/as root/) });
    expect(checks.find((c) => c.id === 'peers')).toMatchObject({ status: 'skip', summary: expect.stringMatching(/status could not be read/) });
  });

  it('half-notify forwards keepalived\'s arguments and exits 0', async () => {
    const r = await run('node', [notify, '--socket', socket, 'GROUP', 'HALF', 'MASTER', '0']);
    expect(r).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(handler.events).toContainEqual({ type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 });
  });

  it('half-notify exits 2 on arguments keepalived would not send, and 3 when the daemon is away', async () => {
    const bad = await run('node', [notify, '--socket', socket, 'GROUP', 'HALF', 'RUNNING', '0']);
    expect(bad.exitCode).toBe(CliExit.usage);
    expect(bad.stderr).toMatch(/^half-notify: unknown state "RUNNING"\nusage: half-notify GROUP\|INSTANCE NAME/);
    const away = await run('node', [notify, '--socket', join(dir, 'gone.sock'), 'INSTANCE', 'half_lan0', 'BACKUP', '100']);
    expect(away.exitCode).toBe(CliExit.daemonUnavailable);
    expect(away.stderr).toMatch(/^half-notify: half-syncd is not running/);
  });

  it('keeps its exit status, quietly, when the reader of stdout or stderr has gone (`half --help | false`)', async () => {
    // stdout: help (0), status (0), doctor (its own verdict, whatever it is: compared with a run whose output is read)
    expect(await withClosed('stdout', [half, '--help'])).toEqual({ exitCode: CliExit.ok, stderr: '' });
    expect(await withClosed('stdout', [half, 'status', '--json', '--socket', socket])).toEqual({ exitCode: CliExit.ok, stderr: '' });
    const doctor = [half, 'doctor', '--config', join(dir, 'none.conf'), '--socket', socket];
    const read = await run('node', doctor);
    expect(await withClosed('stdout', doctor)).toEqual({ exitCode: read.exitCode, stderr: read.stderr });
    // stderr: a usage error (2), half-notify's "not running" (3)
    expect(await withClosed('stderr', [half, 'frobnicate'])).toEqual({ exitCode: CliExit.usage, stdout: '' });
    expect(await withClosed('stderr', [notify, '--socket', join(dir, 'gone.sock'), 'GROUP', 'HALF', 'MASTER', '0'])).toEqual({ exitCode: CliExit.daemonUnavailable, stdout: '' });
  });
});

/** Runs `node args…` with the read end of `closed` shut before it writes; the other stream and the exit status. */
function withClosed(closed: 'stdout' | 'stderr', args: readonly string[]): Promise<{ exitCode: number | null; stdout?: string; stderr?: string }> {
  const child = spawn('node', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child[closed].destroy();
  const other = closed === 'stdout' ? 'stderr' : 'stdout';
  let text = '';
  child[other].setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ exitCode, [other]: text }));
  });
}
