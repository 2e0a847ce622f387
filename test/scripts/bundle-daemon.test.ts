// esbuild bundling of the daemon's programs: self-contained, reproducible, free of this
// checkout's paths, and the netlink binding found next to the bundle (node-gyp-build's rules).
// Debian 12's nodejs 18.19 runs them in test/debian/half-syncd-runtime.test.ts.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDaemon, DAEMON_PROGRAMS, netlinkPrebuild, type DaemonProgram } from '../../scripts/bundle-daemon.js';
import { DefinitionError } from '../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../helpers/tools.js';
import { REPO_ROOT } from '../pkgs/helpers/context.js';
import { MINIMAL } from '../daemon/config/fixtures/problems.js';
import { NetnsLab } from '../daemon/ha/fixtures/netns-lab.js';

const programs = DAEMON_PROGRAMS.filter((p) => p.output === 'half-configure.js' || p.output === 'event-pump-main.js');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-bundle-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bundleDaemon', () => {
  it('makes the same bytes every time, with no path of this checkout in them', () => {
    const a = bundleDaemon({ root: REPO_ROOT, programs });
    const b = bundleDaemon({ root: REPO_ROOT, programs });
    expect([...a.files.keys()].sort()).toEqual(['event-pump-main.js', 'half-configure.js']);
    for (const [name, bytes] of a.files) {
      expect(Buffer.from(bytes).equals(Buffer.from(b.files.get(name) as Uint8Array)), name).toBe(true);
      const text = Buffer.from(bytes).toString('utf8');
      expect(text).not.toContain(REPO_ROOT);
      expect(text.startsWith('#!')).toBe(false);
      expect(text).toContain("const require = __half_createRequire(import.meta.url);");
    }
    expect(a.packages.map((p) => `${p.name} ${p.license}`)).toEqual(['netlink MIT', 'node-gyp-build MIT']);
  });

  it('runs from a folder of its own, finding the netlink binding in netlink/prebuilds/', async () => {
    const lib = join(dir, 'lib');
    await mkdir(lib, { recursive: true });
    for (const [name, bytes] of bundleDaemon({ root: REPO_ROOT, programs }).files) await writeFile(join(lib, name), bytes);
    await writeFile(join(lib, 'package.json'), '{"type":"module"}\n');
    const help = await run('node', [join(lib, 'half-configure.js'), 'configure', '--help'], { cwd: dir });
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('usage: half configure');
    // Without the prebuild next to it, the socket's error says where node-gyp-build looked.
    const pump = await run('sh', ['-c', `node ${join(lib, 'event-pump-main.js')} '{"groups":[]}' 3>&1 </dev/null`]);
    expect(pump.exitCode).not.toBe(0);
    expect(pump.stderr).toContain(`the netlink binding did not load from ${join(lib, 'netlink')}: No native build was found for platform=linux arch=x64`);
    const prebuild = netlinkPrebuild(REPO_ROOT, 'amd64');
    expect(prebuild.installPath).toBe('/usr/lib/half/netlink/prebuilds/linux-x64/node.napi.node');
    await mkdir(join(lib, 'netlink/prebuilds/linux-x64'), { recursive: true });
    await cp(prebuild.source, join(lib, 'netlink/prebuilds/linux-x64/node.napi.node'));
    // An empty group list: the socket opens (the binding loaded) and the pump exits with stdin.
    const loaded = await run('unshare', ['--net', 'sh', '-c', `node ${join(lib, 'event-pump-main.js')} '{"groups":[]}' 3>&1 </dev/null`]);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    expect(loaded.stdout.length).toBeGreaterThan(0);
  });

  it('loads the binding on first use: without it half-syncd still says its usage and loads the nftables table, and the daemon names the package to reinstall', async () => {
    requireTool('nft');
    const lib = join(dir, 'lib-syncd');
    await mkdir(lib, { recursive: true });
    const syncd = DAEMON_PROGRAMS.filter((p) => p.output === 'half-syncd.js');
    for (const [name, bytes] of bundleDaemon({ root: REPO_ROOT, programs: syncd }).files) await writeFile(join(lib, name), bytes);
    await writeFile(join(lib, 'package.json'), '{"type":"module"}\n');
    const usage = await run('node', [join(lib, 'half-syncd.js'), '--help']);
    expect(usage.exitCode, usage.stderr).toBe(0);
    expect(usage.stdout).toContain('usage: half-syncd');

    const etc = join(dir, 'etc-syncd');
    await mkdir(etc, { recursive: true });
    await writeFile(join(etc, 'half.conf'), `${MINIMAL.replace('[vips]', `key-file = ${join(etc, 'cluster.key')}\n[vips]`)}`);
    await writeFile(join(etc, 'cluster.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const lab = new NetnsLab('bnd');
    try {
      const fw = await lab.namespace('fw');
      await lab.veth(fw, 'sync0', fw, 'sync1');
      await lab.ip(fw, ['address', 'add', '203.0.113.1/24', 'dev', 'sync0']);
      const loaded = await lab.exec(fw, 'node', [join(lib, 'half-syncd.js'), '--config', join(etc, 'half.conf'), '--load-table']);
      expect(loaded.exitCode, loaded.stderr).toBe(0);
      expect((await lab.exec(fw, 'nft', ['list', 'tables'], { check: true })).stdout).toContain('table inet half');
      const daemon = await lab.exec(fw, 'node', [join(lib, 'half-syncd.js'), '--config', join(etc, 'half.conf'), '--state-dir', join(dir, 'state'), '--foreground']);
      expect(daemon.exitCode).toBe(69);
      expect(daemon.stderr).toContain(`the netlink binding did not load from ${join(lib, 'netlink')}: No native build was found`);
      expect(daemon.stderr).toContain('apt-get install --reinstall half-syncd');
      expect(daemon.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await lab.cleanup();
    }
  });

  it('names a missing entry module and the fix', () => {
    const ghost: DaemonProgram = { output: 'ghost.js', source: 'daemon/src/ghost-main.ts' };
    expect(() => bundleDaemon({ root: REPO_ROOT, programs: [ghost] })).toThrow(DefinitionError);
    expect(() => bundleDaemon({ root: REPO_ROOT, programs: [ghost] })).toThrow('half-syncd: cannot bundle ghost.js (daemon/src/ghost-main.ts does not exist)');
    expect(() => netlinkPrebuild(REPO_ROOT, 'riscv64')).toThrow(/no netlink prebuild is known for riscv64/);
  });
});
