// half-syncd as it ships: daemon/src/main.ts, the event pump and the event socket keeper bundled
// by esbuild (platform node, target node18, ESM, `netlink` left external: the only runtime npm
// dependency) into a temporary folder, then run with plain `node` — no tsx. It prints its usage
// and version, and it runs: in a network namespace it opens its sockets, takes MASTER from its
// notify FIFO, starts the event socket keeper thread from next to its own file and reads the
// events itself, replicates (its own table follows `conntrack -I`) and stops cleanly. Where it
// cannot read the events itself (the keeper's file missing; a Node without `udp_wrap`) it says why
// in a warning and the event pump reads them, and it replicates all the same. Then the same bundle
// runs on Debian 12's nodejs (18.x) in a bookworm root (test/helpers/chroot.ts), live in a namespace.
import { appendFile, cp, mkdir, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendControlRequest } from '../../../daemon/src/control/control-client.js';
import type { DaemonStatus } from '../../../daemon/src/control/status-model.js';
import { debianRoot, type DebianRoot } from '../../helpers/chroot.js';
import { createNamespaces, type NamespaceSet } from '../../helpers/netns.js';
import { run } from '../../helpers/tools.js';
import { SYNCD_NODE_OPTIONS } from '../../../scripts/bundle-daemon.js';
import { bundleSyncd, type SyncdBundle } from '../integration/fixtures/syncd-bundle.js';
import { REPO, waitFor } from '../integration/fixtures/syncd-node.js';

const KEY = 'cd'.repeat(32);
/** What bundleSyncd writes besides node_modules: the programs and their package.json. */
const BUNDLE_FILES = ['half-syncd.js', 'event-pump-main.js', 'event-socket-keeper-main.js', 'package.json'];

function conf(dir: string): string {
  return [
    '[node]', 'id = 1', 'role = primary',
    '[sync]', 'interface = sync0', 'address = 203.0.113.1', 'peers = 203.0.113.2', `key-file = ${dir}/cluster.key`,
    '[vrrp]', `notify-fifo = ${dir}/notify.fifo`, `resync-file = ${dir}/state/resync-pending` /* half-syncd allows its --state-dir */,
    '[vips]', 'lan0 = 192.0.2.254/24',
    '[daemon]', `control-socket = ${dir}/half.sock`, 'metrics-port = 0',
    '',
  ].join('\n');
}

/** Writes a config and key for a daemon whose files live under `dir` (as the daemon sees it) at `hostDir`. */
async function writeNodeFiles(hostDir: string, dir: string): Promise<void> {
  await mkdir(hostDir, { recursive: true });
  await writeFile(join(hostDir, 'half.conf'), conf(dir));
  await writeFile(join(hostDir, 'cluster.key'), `${KEY}\n`, { mode: 0o600 });
}

describe('the bundled half-syncd', () => {
  let bundle: SyncdBundle;
  let out: string;
  let net: NamespaceSet;

  beforeAll(async () => {
    bundle = await bundleSyncd();
    out = bundle.dir;
    net = createNamespaces('syncbundle');
    await net.addNs('fw');
    await net.addNs('peer');
    await net.veth('fw', 'sync0', 'peer', 'sync0');
    await net.addr('fw', 'sync0', '203.0.113.1/30');
    await net.addr('peer', 'sync0', '203.0.113.2/30');
  });
  afterAll(async () => {
    await net?.cleanup();
    await bundle?.remove();
  });

  /**
   * Starts `argv` in the namespace, checks it replicates and stops cleanly, and that its log says
   * who read the kernel's events (`reader`); returns its status.
   */
  async function liveRun(argv: readonly string[], socket: string, fifo: string, reader = /conntrack events read by=daemon\n/, beforeTakeover?: () => Promise<void>): Promise<DaemonStatus> {
    let output = '';
    await net.exec('fw', ['conntrack', '-F'], { check: true });
    const child = net.spawn('fw', argv);
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const status = () => sendControlRequest(socket, { cmd: 'status' }) as Promise<DaemonStatus>;
    // every wait fails at once if the daemon exits, and says what the daemon wrote
    const running = (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> =>
      waitFor(what, () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`half-syncd exited (${child.exitCode ?? child.signalCode})`);
        return check();
      }, timeoutMs).catch((error: unknown) => {
        child.kill('SIGKILL'); // its sync port is the next test's
        throw new Error(`${(error as Error).message}\n--- half-syncd's output ---\n${output.slice(-4000)}`);
      });
    await running('the bundled daemon answering', () => status().then(() => true, () => false), 30_000);
    // once it answers, its inputs are open: keepalived's FIFO is there (a write before would make a plain file)
    expect((await stat(fifo)).isFIFO()).toBe(true);
    await beforeTakeover?.();
    await appendFile(fifo, 'INSTANCE "half_lan0" MASTER 150\n');
    await running('the daemon sending', async () => (await status()).node.role === 'sender', 60_000);
    await net.exec('fw', ['conntrack', '-I', '-s', '192.0.2.7', '-d', '198.51.100.7', '-p', 'tcp', '--sport', '1234', '--dport', '80', '--state', 'ESTABLISHED', '-t', '600', '-u', 'SEEN_REPLY,ASSURED'], { check: true });
    await running('the event reaching the daemon', async () => (await status()).tables.internal === 1, 60_000);
    const result = await status();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/half-syncd stopped/);
    expect(output).toMatch(reader);
    return result;
  }

  it('prints its usage and version with plain node', async () => {
    const version = await run(process.execPath, [join(out, 'half-syncd.js'), '--version']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toBe('half-syncd 0.1.0-bundletest\n');
    const help = await run(process.execPath, [join(out, 'half-syncd.js'), '--help']);
    expect(help.stdout).toMatch(/usage: half-syncd/);
  });

  it('runs with plain node: kernel events read by the daemon, its socket opened by the bundled keeper thread, a clean stop', async () => {
    const dir = join(out, 'node');
    await writeNodeFiles(dir, dir);
    // as /usr/sbin/half-syncd runs it (with its node options)
    const status = await liveRun([...bundle.command, '--config', join(dir, 'half.conf'), '--state-dir', join(dir, 'state')], join(dir, 'half.sock'), join(dir, 'notify.fifo'));
    expect(status.daemon.version).toBe('0.1.0-bundletest');
    expect(status.kernelEvents).toEqual({ subscribed: true, reader: 'daemon', fallback: null, lastError: null });
    expect(status.counters.kernel['recvBufferSize']).toBeGreaterThan(0);
    expect(status.summary.eventsIn).toBeGreaterThan(0);
  });

  /** A copy of the bundle in `name`, without `leaveOut`; its node_modules are the bundle's. */
  async function bundleCopy(name: string, leaveOut: readonly string[]): Promise<string> {
    const dir = join(out, name);
    await mkdir(dir, { recursive: true });
    for (const file of BUNDLE_FILES) if (!leaveOut.includes(file)) await cp(join(out, file), join(dir, file));
    await symlink(join(out, 'node_modules'), join(dir, 'node_modules'));
    await writeNodeFiles(join(dir, 'node'), join(dir, 'node'));
    return dir;
  }

  describe('where the daemon cannot read its event socket itself', () => {

    it('falls back to the event pump when the keeper thread cannot start, and says why', async () => {
      const dir = await bundleCopy('no-keeper', ['event-socket-keeper-main.js']);
      const node = join(dir, 'node');
      const status = await liveRun([process.execPath, join(dir, 'half-syncd.js'), '--config', join(node, 'half.conf'), '--state-dir', join(node, 'state')], join(node, 'half.sock'), join(node, 'notify.fifo'), /warn conntrack events read by=pump why=.*event socket keeper thread failed: .*event-socket-keeper-main\.js/);
      expect(status.summary.eventsIn).toBeGreaterThan(0);
      expect(status.kernelEvents).toMatchObject({ subscribed: true, reader: 'pump', fallback: expect.stringMatching(/keeper thread failed/) });
    });

    it('falls back to the event pump on a Node without the udp_wrap binding, and says why', async () => {
      const dir = await bundleCopy('no-udp-wrap', []);
      // as a Node whose process.binding has no udp_wrap (it is internal, and may go)
      const preload = join(dir, 'no-udp-wrap.mjs');
      await writeFile(preload, "const binding = process.binding;\nprocess.binding = (name) => { if (name === 'udp_wrap') throw new Error('No such module: udp_wrap'); return binding.call(process, name); };\n");
      const node = join(dir, 'node');
      const status = await liveRun([process.execPath, '--import', preload, join(dir, 'half-syncd.js'), '--config', join(node, 'half.conf'), '--state-dir', join(node, 'state')], join(node, 'half.sock'), join(node, 'notify.fifo'), /warn conntrack events read by=pump why=.*no 'udp_wrap' binding/);
      expect(status.summary.eventsIn).toBeGreaterThan(0);
      expect(status.kernelEvents).toMatchObject({ subscribed: true, reader: 'pump', fallback: expect.stringMatching(/udp_wrap/) });
    });
  });

  describe('while an upgrade replaces its files (dpkg unpacked, postinst not yet run)', () => {
    let newer: SyncdBundle;
    let events: string;
    const eventsSysctl = 'net.netfilter.nf_conntrack_events';
    beforeAll(async () => {
      newer = await bundleSyncd('0.1.0-newer');
      // as HALF's sysctl.d snippet sets it: a standby follows no events, so its first subscription is the takeover's
      events = (await net.exec('fw', ['sysctl', '-n', eventsSysctl], { check: true })).stdout.trim();
      await net.exec('fw', ['sysctl', '-w', `${eventsSysctl}=1`], { check: true });
    });
    afterAll(async () => {
      await net.exec('fw', ['sysctl', '-w', `${eventsSysctl}=${events}`]);
      await newer?.remove();
    });

    /** A copy of the bundle in `name`, and a way to put the newer release's helpers into it. */
    async function upgradable(name: string): Promise<{ dir: string; node: string; upgrade: () => Promise<void> }> {
      const dir = await bundleCopy(name, []);
      const upgrade = async () => {
        // as dpkg does: the new file renamed over the old one
        for (const file of ['event-socket-keeper-main.js', 'event-pump-main.js']) {
          await cp(join(newer.dir, file), join(dir, `${file}.dpkg-new`));
          await rename(join(dir, `${file}.dpkg-new`), join(dir, file));
        }
      };
      return { dir, node: join(dir, 'node'), upgrade };
    }

    it('takes over with the keeper thread it started at its own start, not the newer file', async () => {
      const { dir, node, upgrade } = await upgradable('upgraded-keeper');
      const status = await liveRun([process.execPath, join(dir, 'half-syncd.js'), '--config', join(node, 'half.conf'), '--state-dir', join(node, 'state')], join(node, 'half.sock'), join(node, 'notify.fifo'), /conntrack events read by=daemon\n/, upgrade);
      expect(status.kernelEvents).toEqual({ subscribed: true, reader: 'daemon', fallback: null, lastError: null });
      expect(status.summary.eventsIn).toBeGreaterThan(0);
    });

    it('refuses an event pump of the newer release, and says to restart', async () => {
      const { dir, node, upgrade } = await upgradable('upgraded-pump');
      await appendFile(join(node, 'half.conf'), 'event-reader = pump\n'); // [daemon] is the last section
      let output = '';
      const child = net.spawn('fw', [process.execPath, join(dir, 'half-syncd.js'), '--config', join(node, 'half.conf'), '--state-dir', join(node, 'state')]);
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const status = () => sendControlRequest(join(node, 'half.sock'), { cmd: 'status' }) as Promise<DaemonStatus>;
        await waitFor('the daemon answering', () => status().then(() => true, () => false), 30_000);
        await upgrade();
        await appendFile(join(node, 'notify.fifo'), 'INSTANCE "half_lan0" MASTER 150\n');
        await waitFor('the refusal logged', async () => /cannot subscribe to conntrack events/.test(output), 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${output.slice(-3000)}`); });
        expect(output).toMatch(/event pump refused: event-pump-main\.js is HALF 0\.1\.0-newer, half-syncd is HALF 0\.1\.0-bundletest/);
        expect(output).toMatch(/fix="restart half-syncd \(the package's postinst does\)/);
        // one refusal is enough: it does not start the newer pump five times in a row first
        expect(output).not.toMatch(/failed to start 5 times/);
        expect((await status()).kernelEvents?.subscribed).toBe(false);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    });
  });

  describe('on Debian 12\'s nodejs', () => {
    let root: DebianRoot;
    beforeAll(async () => {
      root = await debianRoot({ suite: 'bookworm', extraPackages: ['nodejs'] });
      const lib = join(root.dir, 'opt/half');
      await mkdir(join(lib, 'node_modules'), { recursive: true });
      for (const file of BUNDLE_FILES) await cp(join(out, file), join(lib, file));
      for (const pkg of ['netlink', 'node-gyp-build']) await cp(join(REPO, 'node_modules', pkg), join(lib, 'node_modules', pkg), { recursive: true, dereference: true });
      await writeNodeFiles(join(lib, 'node'), '/opt/half/node');
    });
    afterAll(() => root?.cleanup());

    it('is node 18 there, and half-syncd starts, replicates and stops on it', async () => {
      const node = await root.run(['node', '--version'], { check: true });
      expect(node.stdout).toMatch(/^v18\./); // bookworm: 18.19.0, 18.20.4 after its security updates
      const version = await root.run(['node', '/opt/half/half-syncd.js', '--version']);
      expect(version.stdout, version.stderr).toBe('half-syncd 0.1.0-bundletest\n');
      const argv = root.argv(['node', ...SYNCD_NODE_OPTIONS, '/opt/half/half-syncd.js', '--config', '/opt/half/node/half.conf', '--state-dir', '/opt/half/node/state']);
      const status = await liveRun(argv, join(root.dir, 'opt/half/node/half.sock'), join(root.dir, 'opt/half/node/notify.fifo'));
      expect(status.counters.kernel['recvBufferSize']).toBeGreaterThan(0);
    });
  });
});
