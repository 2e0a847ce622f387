// half-syncd's process edge, run as a real process (node + tsx, daemon/src/main.ts): help,
// version and bad arguments; an invalid half.conf or cluster key exits 78 with every problem
// named by its key and its fix, before anything is opened or written; --check validates only;
// a state directory that cannot hold the boot epoch stops the start (exit 69), still before any
// socket exists. Running daemons (signals, status) are tested in test/daemon/integration/.
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/tools.js';
import { MAIN } from '../integration/fixtures/syncd-node.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { waitFor } from '../integration/fixtures/syncd-node.js';

const syncd = (...args: string[]) => run(process.execPath, ['--import', 'tsx', MAIN, ...args]);

describe('half-syncd command line', () => {
  let dir: string;
  const conf = (name: string) => join(dir, name);

  function halfConf(options: { key?: string; extra?: string; node?: string } = {}): string {
    return [
      '[node]', options.node ?? 'id = 1\nrole = primary',
      '[sync]', 'interface = sync0', 'address = 203.0.113.1', 'peers = 203.0.113.2', `key-file = ${options.key ?? conf('cluster.key')}`,
      '[vrrp]', `notify-fifo = ${conf('notify.fifo')}`,
      '[vips]', 'lan0 = 192.0.2.254/24',
      '[daemon]', `control-socket = ${conf('half.sock')}`, options.extra ?? '',
      '',
    ].join('\n');
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'h13-syncd-'));
    await writeFile(conf('cluster.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    await writeFile(conf('loose.key'), `${'ab'.repeat(32)}\n`);
    await chmod(conf('loose.key'), 0o644);
    await writeFile(conf('valid.conf'), halfConf());
    await writeFile(conf('invalid.conf'), halfConf({ node: 'role = primary', extra: 'mode = mirror' }));
    await writeFile(conf('nokey.conf'), halfConf({ key: conf('absent.key') }));
    await writeFile(conf('loosekey.conf'), halfConf({ key: conf('loose.key') }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints its usage and version, and refuses unknown options', async () => {
    const help = await syncd('--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/usage: half-syncd \[--config FILE\]/);
    const version = await syncd('--version');
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^half-syncd \S+\n$/);
    const bad = await syncd('--bogus');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/half-syncd: .*--bogus/);
    expect(bad.stderr).toMatch(/fix: see half-syncd --help/);
  });

  it('exits 78 on an invalid half.conf, naming every key, with nothing started', async () => {
    const result = await syncd('--config', conf('invalid.conf'), '--state-dir', conf('state'));
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toMatch(/invalid\.conf: 2 problems, nothing was applied/);
    expect(result.stderr).toMatch(/node\.id: is missing/);
    expect(result.stderr).toMatch(/daemon\.mode: .*mirror/);
    expect(result.stdout).toBe('');
    expect((await readdir(dir)).filter((name) => !name.startsWith('late') && !name.startsWith('wait')).sort()).toEqual(['cluster.key', 'invalid.conf', 'loose.key', 'loosekey.conf', 'nokey.conf', 'valid.conf']);
  });

  it('exits 78 when the cluster key is missing or readable by others', async () => {
    const missing = await syncd('--config', conf('nokey.conf'), '--state-dir', conf('state'));
    expect(missing.exitCode).toBe(78);
    expect(missing.stderr).toMatch(/absent\.key: sync\.key-file: does not exist/);
    const loose = await syncd('--config', conf('loosekey.conf'), '--state-dir', conf('state'));
    expect(loose.exitCode).toBe(78);
    expect(loose.stderr).toMatch(/has mode 0644: others can read the cluster key \(fix: chmod 0600/);
    const absent = await syncd('--config', conf('none.conf'));
    expect(absent.exitCode).toBe(78);
    expect(absent.stderr).toMatch(/none\.conf: does not exist/);
  });

  it('validates without starting anything with --check', async () => {
    const result = await syncd('--config', conf('valid.conf'), '--check');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/valid\.conf: valid \(node 1, 1 sync link\(s\), mode external-cache\)/);
  });

  it('exits 69 (which the unit restarts) while the sync address is not on this node, not 78', async () => {
    const lab = new NetnsLab('rs');
    try {
      const ns = await lab.namespace('n');
      await writeFile(conf('late.conf'), halfConf({ extra: `metrics-port = 0\nevent-reader = daemon` }).replace('[vrrp]', `[vrrp]\nresync-file = ${conf('late-state/resync-pending')}`));
      const result = await lab.exec(ns, process.execPath, ['--import', 'tsx', MAIN, '--config', conf('late.conf'), '--state-dir', conf('late-state'), '--address-wait', '2']);
      expect(result.stderr).toMatch(/cannot bind the sync .* to 203\.0\.113\.1 port 3781: EADDRNOTAVAIL/);
      expect(result.stdout).toMatch(/the sync address is not on this node yet: waiting for it/);
      expect(result.stderr).toMatch(/\[sync\] address = 203\.0\.113\.1 is not on this node/);
      expect(result.stderr).toMatch(/restarted until it can open the link/);
      expect(result.exitCode).toBe(69);
    } finally {
      await lab.cleanup();
    }
  });

  /** half-syncd started in `ns` (no sync address there yet, a wait of 60 s), once it logged the wait; files named after `name`. */
  async function waitingForAddress(lab: NetnsLab, ns: string, name: string) {
    await writeFile(conf(`${name}.conf`), halfConf({ extra: 'metrics-port = 0' }).replace('[vrrp]', `[vrrp]\nresync-file = ${conf(`${name}-state/resync-pending`)}`).replace(`control-socket = ${conf('half.sock')}`, `control-socket = ${conf(`${name}.sock`)}`));
    const log = conf(`${name}.log`);
    const child = lab.spawn(ns, process.execPath, ['--import', 'tsx', MAIN, '--config', conf(`${name}.conf`), '--state-dir', conf(`${name}-state`), '--address-wait', '60'], log);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const logged = () => readFile(log, 'utf8').catch(() => '');
    await waitFor('the wait logged', async () => /not on this node yet: waiting/.test(await logged()), 30_000);
    return { child, exited, logged };
  }

  it('waits for a sync address that comes up late, then runs', async () => {
    const lab = new NetnsLab('rw');
    try {
      const ns = await lab.namespace('n');
      const { child, exited, logged } = await waitingForAddress(lab, ns, 'wait');
      // a reload of nftables while it starts (the unit passes it on as HUP) is no reason to end
      child.kill('SIGHUP');
      await lab.ip(ns, ['link', 'add', 'sync0', 'type', 'veth', 'peer', 'name', 'sync0p']);
      await lab.ip(ns, ['addr', 'add', '203.0.113.1/24', 'dev', 'sync0']);
      await lab.ip(ns, ['link', 'set', 'sync0', 'up']);
      await waitFor('half-syncd replicating', async () => /half-syncd replicating/.test(await logged()), 30_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await lab.cleanup();
    }
  });

  it('stops at once, exit 0, when asked to while it waits for its sync address (systemctl stop)', async () => {
    const lab = new NetnsLab('rt');
    try {
      const ns = await lab.namespace('n');
      const { child, exited, logged } = await waitingForAddress(lab, ns, 'term');
      const asked = performance.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(performance.now() - asked, 'not the rest of the 60 s wait').toBeLessThan(10_000);
      expect(await logged()).toMatch(/half-syncd stopped \(SIGTERM\) while starting: stopped while waiting for the sync link/);
      expect(await logged()).not.toMatch(/half-syncd replicating/);
    } finally {
      await lab.cleanup();
    }
  });

  it('ignores SIGHUP while it reads half.conf, before its own handler is in place', async () => {
    // half.conf is a FIFO: the read waits for the writer, a window that is otherwise a few ms
    const fifo = conf('slow.conf');
    await run('mkfifo', [fifo]);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', fifo, '--check'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // a writer that does not block opens only once half-syncd has the FIFO open for reading
    let writer: number | undefined;
    await waitFor('half-syncd reading half.conf', async () => {
      try {
        writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        return true;
      } catch {
        return false;
      }
    }, 30_000);
    for (let i = 0; i < 3; i += 1) {
      child.kill('SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    writeSync(writer!, halfConf());
    closeSync(writer!);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/slow\.conf: valid \(node 1,/);
  });

  it('exits 69 when the boot epoch cannot be stored, before any socket exists', async () => {
    await mkdir(conf('blocked'));
    await writeFile(conf('blocked/state'), 'a file where the state directory should be');
    const result = await syncd('--config', conf('valid.conf'), '--state-dir', conf('blocked/state'));
    expect(result.exitCode).toBe(69);
    expect(result.stderr).toMatch(/cannot create the state directory .*blocked\/state/);
    expect(result.stderr).toMatch(/fix: .*StateDirectory=half/);
    expect((await readdir(dir)).includes('half.sock')).toBe(false);
  });
});
