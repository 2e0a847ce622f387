import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { debianRoot, type DebianRoot } from '../helpers/chroot.js';
import { mountsUnder } from '../helpers/mounts.js';
import { createNamespaces } from '../helpers/netns.js';
import { isRunning, processesInsideRoot } from '../helpers/root-processes.js';
import { requireTool } from '../helpers/tools.js';

const APT_VERSION = { bookworm: /^apt 2\.6\./, trixie: /^apt 3\.0\./ } as const;
const opened: DebianRoot[] = [];
afterAll(async () => {
  for (const root of opened) await root.cleanup();
});

async function open(suite: 'bookworm' | 'trixie', debianSources = true, mode: 'overlay' | 'copy' = 'overlay'): Promise<DebianRoot> {
  const root = await debianRoot({ suite, debianSources, mode });
  opened.push(root);
  return root;
}

describe.each(['bookworm', 'trixie'] as const)('debianRoot(%s)', (suite) => {
  it('is the requested Debian release, with apt, ptys and no service starts', async () => {
    requireTool('mmdebstrap');
    const root = await open(suite);
    const apt = await root.run(['apt-get', '--version']);
    expect(apt.exitCode, apt.stderr).toBe(0);
    expect(apt.stdout).toMatch(APT_VERSION[suite]);
    expect(await root.readFile('/etc/os-release')).toContain(`VERSION_CODENAME=${suite}`);
    const env = await root.run('echo "$DEBIAN_FRONTEND $LC_ALL $HOME"; test -c /dev/null && test -c /dev/pts/ptmx && cat /proc/self/stat >/dev/null && ls /sys/class/net');
    expect(env.exitCode, env.stderr).toBe(0);
    expect(env.stdout.split('\n')[0]).toBe('noninteractive C.UTF-8 /root');
    expect((await root.run(['/usr/sbin/policy-rc.d', 'ssh', 'start'])).exitCode).toBe(101);
    // apt runs dpkg on a pseudo-terminal: one must be allocatable inside (private devpts).
    const pty = await root.run(['script', '-qec', 'tty', '/dev/null']);
    expect(pty.exitCode, pty.stderr).toBe(0);
    expect(pty.stdout).toMatch(/^\/dev\/pts\/\d+/);
    expect(root.mode).toBe('overlay');
  });

  it('gives every test its own copy, and cleanup removes mounts, processes and files', async () => {
    const first = await open(suite);
    await first.writeFile('/etc/half-selftest', 'mine\n');
    await first.run('sleep 600 >/dev/null 2>&1 &', { check: true });
    const [sleeper] = await processesInsideRoot(first.dir);
    expect(isRunning(sleeper as number)).toBe(true);
    expect(mountsUnder(first.dir).map((m) => m.fsType)).toEqual(expect.arrayContaining(['proc', 'sysfs', 'devpts', 'tmpfs']));

    const second = await open(suite);
    expect(second.dir).not.toBe(first.dir);
    expect((await second.run(['test', '-e', '/etc/half-selftest'])).exitCode).toBe(1);

    const base = dirname(first.dir);
    await first.cleanup();
    expect(mountsUnder(base)).toEqual([]);
    expect(existsSync(base)).toBe(false);
    expect(isRunning(sleeper as number)).toBe(false);
    await first.cleanup(); // safe twice
    await expect(first.run(['true'])).rejects.toThrow(/was cleaned up/);
    // the other copy is untouched
    expect((await second.run(['apt-get', '--version'])).exitCode).toBe(0);
  });
});

describe('DebianRoot.argv', () => {
  it('runs a chroot command inside a network namespace, with the chroot environment', async () => {
    const root = await open('trixie');
    const net = createNamespaces('chroot-argv');
    try {
      await net.addNs('n');
      await net.veth('n', 'half-v0', 'n', 'half-v1');
      const inside = await net.exec('n', root.argv('echo "$LC_ALL $HALF_X"; cat /etc/debian_version /proc/net/dev', { HALF_X: 'x' }));
      expect(inside.exitCode, inside.stderr).toBe(0);
      expect(inside.stdout).toMatch(/^C\.UTF-8 x\n13\./);
      expect(inside.stdout).toContain('half-v0'); // the namespace's links, not the host's
      expect(inside.stdout).not.toMatch(/^\s*eth0:/m);
    } finally {
      await net.cleanup();
    }
  });
});

describe('debianRoot without overlayfs', () => {
  it('unpacks the cached tarball instead, and cleans up the same way', async () => {
    const root = await open('bookworm', true, 'copy');
    expect(root.mode).toBe('copy');
    expect(mountsUnder(root.dir).map((m) => m.mountPoint)).not.toContain(root.dir);
    expect((await root.run(['apt-get', '--version'])).exitCode).toBe(0);
    expect((await root.run(['/usr/sbin/policy-rc.d'])).exitCode).toBe(101);
    const base = dirname(root.dir);
    await root.cleanup();
    expect(mountsUnder(base)).toEqual([]);
    expect(existsSync(base)).toBe(false);
  });
});

describe('DebianRoot files', () => {
  it('resolve symlinks inside the root, never onto the host', async () => {
    const root = await open('bookworm');
    const hostTarget = `/etc/half-selftest-escape-${process.pid}`;
    await root.run(['ln', '-s', hostTarget, '/tmp/escape'], { check: true });
    await root.writeFile('/tmp/escape', 'inside\n');
    await root.writeFile('/../../../tmp/../etc/half-dotdot', 'also inside\n', { mode: 0o600 });
    expect(existsSync(hostTarget)).toBe(false);
    expect((await root.run(['cat', hostTarget, '/etc/half-dotdot'])).stdout).toBe('inside\nalso inside\n');
    expect(statSync(`${root.dir}/etc/half-dotdot`).mode & 0o777).toBe(0o600);
    expect(await root.hostPath('/tmp/escape')).toBe(`${root.dir}${hostTarget}`);
  });

  it('can hide the Debian sources so apt sees none', async () => {
    const root = await open('trixie', false);
    expect((await root.run(['test', '-e', '/etc/apt/sources.list'])).exitCode).toBe(1);
    const sources = await root.run(['apt-get', 'indextargets', '--no-release-info', '--format', '$(REPO_URI)']);
    expect(sources.exitCode, sources.stderr).toBe(0);
    expect(sources.stdout).toBe('');
    const kept = await open('trixie');
    const mirror = await kept.run(['apt-get', 'indextargets', '--no-release-info', '--format', '$(REPO_URI)']);
    expect(mirror.stdout).toContain(`${kept.mirror}/`);
  });
});
