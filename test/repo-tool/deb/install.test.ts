// The fixture packages installed and purged by the real dpkg in a Debian 12 chroot (mmdebstrap
// minbase, cached): files land with their modes, `dpkg -V` finds every MD5 right, maintainer
// scripts run in order, conffiles are registered and survive a remove, debconf answers reach
// the postinst, triggers reach the interested package, purge removes everything.
import { lstat, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import type { DebArtifact } from '../../../repo-tool/src/model/artifact.js';
import { makeChroot, type Chroot } from './helpers/chroot.js';
import { FIXTURE_EPOCH, fixture, REPO_ROOT } from './helpers/fixtures.js';
import { makeTestSigner } from './helpers/test-signer.js';

let chroot: Chroot;
beforeAll(async () => {
  chroot = await makeChroot('bookworm', 'minbase');
});
afterAll(async () => {
  await chroot?.remove();
});

async function install(name: string, options: Partial<Parameters<typeof buildDeb>[1]> = {}): Promise<DebArtifact> {
  const artifact = await buildDeb(fixture(name).definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, ...options });
  await writeFile(join(chroot.dir, 'tmp', artifact.fileName), artifact.bytes);
  await chroot.exec('dpkg', ['-i', `/tmp/${artifact.fileName}`]);
  return artifact;
}

/** `ii`, `rc`, … or `unknown` once dpkg has forgotten the package (after a purge). */
async function status(name: string): Promise<string> {
  return (await chroot.exec('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', name]).catch(() => ({ stdout: 'unknown' }))).stdout.trim();
}

async function exists(path: string): Promise<boolean> {
  return lstat(join(chroot.dir, path)).then(() => true, () => false);
}

async function modeOf(path: string): Promise<number> {
  return (await lstat(join(chroot.dir, path))).mode & 0o7777;
}

async function purge(artifact: DebArtifact, name: string): Promise<void> {
  await chroot.exec('dpkg', ['--purge', name]);
  expect(await status(name)).toBe('unknown');
  for (const path of artifact.paths) expect(await exists(`/${path}`), path).toBe(false);
}

describe('dpkg -i / dpkg --purge in a Debian 12 chroot', () => {
  for (const name of ['half-fixture-plain', 'half-fixture-long-names', 'half-fixture-arch']) {
    it(`${name}: installs every path, passes dpkg -V, purges`, async () => {
      const artifact = await install(name);
      expect(await status(name)).toBe('ii');
      for (const path of artifact.paths) expect(await exists(`/${path}`), path).toBe(true);
      expect((await chroot.exec('dpkg', ['-V', name])).stdout).toBe('');
      await purge(artifact, name);
    });
  }

  it('a signed package (with _gpgorigin last) installs and purges', async () => {
    const signer = await makeTestSigner(new Date((FIXTURE_EPOCH - 86_400) * 1000));
    const artifact = await install('half-fixture-plain', { signer });
    expect(await status('half-fixture-plain')).toBe('ii');
    expect((await chroot.exec('dpkg', ['-V', 'half-fixture-plain'])).stdout).toBe('');
    await purge(artifact, 'half-fixture-plain');
  });

  it('a gzip-compressed package installs and purges', async () => {
    const artifact = await install('half-fixture-tree', { compression: 'gzip' });
    expect((await chroot.exec('dpkg', ['-V', 'half-fixture-tree'])).stdout).toBe('');
    await purge(artifact, 'half-fixture-tree');
  });

  it('half-fixture-plain: modes as defined', async () => {
    const artifact = await install('half-fixture-plain');
    expect(await modeOf('/usr/bin/half-fixture-plain')).toBe(0o755);
    expect(await modeOf('/usr/share/half-fixture-plain/data.txt')).toBe(0o644);
    expect((await chroot.exec('/usr/bin/half-fixture-plain', [])).stdout).toBe('HALF fixture\n');
    await purge(artifact, 'half-fixture-plain');
  });

  it('half-fixture-tree: tree modes, explicit modes and directories, symlinks, tree conffiles', async () => {
    const artifact = await install('half-fixture-tree');
    expect(await modeOf('/usr/lib/half-fixture-tree/bin/half-fixture-tree-helper')).toBe(0o755);
    expect(await modeOf('/usr/lib/half-fixture-tree/share/data/b/d e.txt')).toBe(0o644);
    expect(await modeOf('/etc/half-fixture-tree/secret.conf')).toBe(0o600);
    expect((await lstat(join(chroot.dir, '/var/lib/half-fixture-tree'))).isDirectory()).toBe(true);
    expect(await readlink(join(chroot.dir, '/usr/lib/half-fixture-tree/share/link-to-a'))).toBe('data/a.txt');
    expect(await readFile(join(chroot.dir, '/usr/share/doc/half-fixture-tree/examples/a.txt'), 'utf8')).toBe('alpha\n');
    const conffiles = (await chroot.exec('dpkg-query', ['-W', '-f=${Conffiles}', 'half-fixture-tree'])).stdout;
    expect(conffiles).toMatch(/^ \/etc\/half-fixture-tree\/secret\.conf [0-9a-f]{32}$/m);
    expect(conffiles).toMatch(/^ \/etc\/half-fixture-tree\/tree\.conf [0-9a-f]{32}$/m);
    expect((await chroot.exec('dpkg', ['-V', 'half-fixture-tree'])).stdout).toBe('');
    await purge(artifact, 'half-fixture-tree');
    expect(await exists('/var/lib/half-fixture-tree')).toBe(false);
  });

  it('half-fixture-scripts: scripts run in order, conffiles survive remove, purge cleans up', async () => {
    const artifact = await install('half-fixture-scripts');
    const log = join(chroot.dir, '/var/lib/half-fixture-scripts/log');
    expect((await readFile(log, 'utf8')).split('\n')).toEqual(['preinst install', 'postinst configure ', '']);
    await chroot.exec('dpkg', ['--remove', 'half-fixture-scripts']);
    expect(await status('half-fixture-scripts')).toBe('rc');
    expect((await readFile(log, 'utf8')).split('\n').slice(2)).toEqual(['prerm remove', 'postrm remove', '']);
    expect(await exists('/etc/half-fixture-scripts/main.conf')).toBe(true);
    expect(await exists('/etc/half-fixture-scripts/conf.d/extra.conf')).toBe(true);
    expect(await exists('/usr/share/half-fixture-scripts/defaults.conf')).toBe(false);
    await purge(artifact, 'half-fixture-scripts');
    expect(await exists('/var/lib/half-fixture-scripts')).toBe(false);
  });

  it('half-fixture-debconf: a preseeded answer reaches the postinst through templates and config', async () => {
    await chroot.exec('sh', ['-c', 'echo "half-fixture-debconf half-fixture-debconf/greeting string bonjour" | debconf-set-selections']);
    const artifact = await install('half-fixture-debconf');
    expect(await readFile(join(chroot.dir, '/etc/half-fixture-debconf.conf'), 'utf8')).toBe('greeting=bonjour\n');
    expect(await exists('/var/lib/dpkg/info/half-fixture-debconf.templates')).toBe(true);
    expect(await modeOf('/var/lib/dpkg/info/half-fixture-debconf.config')).toBe(0o755);
    await purge(artifact, 'half-fixture-debconf');
    expect(await exists('/etc/half-fixture-debconf.conf')).toBe(false);
  });

  it('half-fixture-triggers: an activated trigger calls the postinst with "triggered"', async () => {
    const artifact = await install('half-fixture-triggers');
    const activations = join(chroot.dir, '/var/lib/half-fixture-triggers/activations');
    expect(await exists('/var/lib/half-fixture-triggers/activations')).toBe(false);
    await chroot.exec('dpkg-trigger', ['--no-await', 'half-fixture-triggers-event']);
    await chroot.exec('dpkg', ['--triggers-only', '--pending']);
    expect(await readFile(activations, 'utf8')).toBe('half-fixture-triggers-event\n');
    await purge(artifact, 'half-fixture-triggers');
  });
});
