import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISABLED_SUFFIX, disableOtherSources, formatRepoSource, writeRepoSource, type RootFiles } from '../helpers/chroot-apt.js';
import { resolveInRoot } from '../helpers/root-path.js';

let root: string;
let files: RootFiles;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'half-chroot-apt-'));
  // A plain directory standing in for a rootfs: the same RootFiles operations DebianRoot has.
  files = {
    hostPath: (path) => resolveInRoot(root, path),
    async writeFile(path, data, options = {}) {
      const host = await resolveInRoot(root, path);
      await mkdir(dirname(host), { recursive: true });
      await writeFile(host, data, { mode: options.mode ?? 0o644 });
    },
  };
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('formatRepoSource', () => {
  it('writes one deb822 stanza', () => {
    const text = formatRepoSource(
      { url: 'http://127.0.0.1:8080', suite: 'stable', component: 'half', keyringPath: '/x', types: ['deb', 'deb-src'], architectures: ['amd64', 'all'] },
      '/etc/apt/keyrings/half.gpg',
    );
    expect(text).toBe(
      'Types: deb deb-src\nURIs: http://127.0.0.1:8080\nSuites: stable\nComponents: half\nArchitectures: amd64 all\nSigned-By: /etc/apt/keyrings/half.gpg\n',
    );
  });
});

describe('writeRepoSource', () => {
  it('copies a binary keyring as .gpg and an armored one as .asc, world-readable', async () => {
    await writeFile(join(root, 'key.bin'), Buffer.from([0x98, 0x33, 0x04]));
    await writeFile(join(root, 'key.txt'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n');
    const binary = await writeRepoSource(files, { url: 'http://127.0.0.1:1', suite: 's', component: 'main', keyringPath: join(root, 'key.bin') });
    const armored = await writeRepoSource(files, { url: 'http://127.0.0.1:1', suite: 's', component: 'main', keyringPath: join(root, 'key.txt'), name: 'other' });
    expect(binary).toMatchObject({ sourcesPath: '/etc/apt/sources.list.d/half-test.sources', keyringPath: '/etc/apt/keyrings/half-test.gpg' });
    expect(armored.keyringPath).toBe('/etc/apt/keyrings/other.asc');
    expect((await stat(join(root, armored.keyringPath))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(root, binary.sourcesPath), 'utf8')).toContain('Signed-By: /etc/apt/keyrings/half-test.gpg\n');
  });

  it('refuses a file name apt would ignore', async () => {
    await expect(writeRepoSource(files, { url: 'u', suite: 's', component: 'c', keyringPath: '/dev/null', name: 'my repo' })).rejects.toThrow(/\[A-Za-z0-9_.-\]/);
  });
});

describe('disableOtherSources', () => {
  it('renames every other sources file and forgets downloaded indexes', async () => {
    await files.writeFile('/etc/apt/sources.list', 'deb http://mirror.invalid/debian bookworm main\n');
    await files.writeFile('/etc/apt/sources.list.d/debian.sources', 'Types: deb\n');
    await files.writeFile('/etc/apt/sources.list.d/keep.sources', 'Types: deb\n');
    await files.writeFile('/etc/apt/sources.list.d/notes.txt', 'not a source\n');
    await files.writeFile('/var/lib/apt/lists/mirror.invalid_debian_dists_bookworm_InRelease', 'x');
    await files.writeFile('/var/lib/apt/lists/lock', '');
    await mkdir(join(root, 'var/lib/apt/lists/partial'));
    const disabled = await disableOtherSources(files, new Set(['/etc/apt/sources.list.d/keep.sources']));
    expect(disabled).toEqual(['/etc/apt/sources.list', '/etc/apt/sources.list.d/debian.sources']);
    expect((await readdir(join(root, 'etc/apt/sources.list.d'))).sort()).toEqual([`debian.sources${DISABLED_SUFFIX}`, 'keep.sources', 'notes.txt']);
    expect(await readdir(join(root, 'etc/apt'))).toContain(`sources.list${DISABLED_SUFFIX}`);
    expect((await readdir(join(root, 'var/lib/apt/lists'))).sort()).toEqual(['lock', 'partial']);
    expect(await disableOtherSources(files, new Set())).toEqual(['/etc/apt/sources.list.d/keep.sources']);
  });
});
