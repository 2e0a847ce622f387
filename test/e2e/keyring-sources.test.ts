// half-archive-keyring's apt source, with the repository built for a public URL (--url): on a
// machine that has no HALF source yet (the bootstrap: `dpkg -i half-archive-keyring_*.deb`),
// postinst writes /etc/apt/sources.list.d/half.sources for the machine's release and apt uses
// it with no warning; remove and purge take it away, a reinstall writes it again unless the admin
// deleted it. On a machine whose admin already added the source
// (naming the keyring), postinst writes nothing, so apt never sees the repository twice. When the
// release changes (a dist-upgrade: base-files' /etc/debian_version triggers postinst), the source
// postinst wrote follows it; one the admin edited is left alone, with a word.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianRoot, type DebianRoot } from '../helpers/chroot.js';
import { halfRepo, isolatedKeyHome } from '../helpers/half-repo-cli.js';
import { serveDirectory, type DirectoryServer } from '../helpers/http-server.js';

let out: string;
let keyHome: string;
let server: DirectoryServer;
let keyringDeb: string;

const bad = (output: string): string[] => output.split('\n').filter((line) => /^(W|E|N|Err|Ign):/.test(line));

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'half-e2e-url-'));
  keyHome = await isolatedKeyHome();
  server = await serveDirectory(out); // serves whatever the build writes below
  const built = await halfRepo(['build', '--out', out, '--no-backports', '--url', server.url], { env: { XDG_DATA_HOME: keyHome } });
  expect(built.exitCode, built.stderr).toBe(0);
  expect(built.stdout).toContain(`deb [signed-by=/usr/share/keyrings/half-archive-keyring.gpg] ${server.url}/ trixie half`);
  const pool = join(out, 'pool', 'half', 'h', 'half-archive-keyring');
  keyringDeb = join(pool, (await readdir(pool)).find((n) => n.endsWith('.deb')) as string);
}, 600_000);

afterAll(async () => {
  await server?.close();
  await rm(out, { recursive: true, force: true });
  await rm(keyHome, { recursive: true, force: true });
});

/** What a dist-upgrade does to the release files (base-files), then dpkg's trigger run. */
async function releaseChange(root: DebianRoot, codename: string, version: string): Promise<{ exitCode: number; stderr: string }> {
  const osRelease = (await root.readFile('/usr/lib/os-release')).replace(/^VERSION_CODENAME=.*$/m, `VERSION_CODENAME=${codename}`);
  await root.writeFile('/usr/lib/os-release', osRelease);
  await root.writeFile('/etc/debian_version', `${version}\n`);
  await root.run(['dpkg-trigger', '--no-await', '/etc/debian_version'], { check: true });
  return root.run(['dpkg', '--triggers-only', '--pending']);
}

describe('bootstrapping with dpkg -i half-archive-keyring on Debian 13', () => {
  let root: DebianRoot;
  beforeAll(async () => {
    root = await debianRoot({ suite: 'trixie', debianSources: false });
    await root.disableDebianSources();
  }, 600_000);
  afterAll(() => root?.cleanup());

  it('writes half.sources for trixie, which apt uses with no warning', async () => {
    await root.writeFile('/tmp/half-archive-keyring.deb', await readFile(keyringDeb));
    const installed = await root.run(['dpkg', '-i', '/tmp/half-archive-keyring.deb']);
    expect(installed.exitCode, installed.stderr).toBe(0);
    expect(installed.stderr).toContain('wrote /etc/apt/sources.list.d/half.sources for trixie');
    const sources = await root.readFile('/etc/apt/sources.list.d/half.sources');
    expect(sources).toContain(`URIs: ${server.url}/\nSuites: trixie\nComponents: half\nSigned-By: /usr/share/keyrings/half-archive-keyring.gpg`);
    const update = await root.run(['apt-get', 'update']);
    expect(update.exitCode, update.stderr).toBe(0);
    expect(bad(update.stdout + update.stderr)).toEqual([]);
    const policy = await root.run(['apt-cache', 'policy', 'half-archive-keyring'], { check: true });
    expect(policy.stdout).toMatch(new RegExp(`${server.url}/? trixie/half`));
  });

  it('takes the source away on remove, so apt-get update keeps working, and writes it again on reinstall', async () => {
    const removed = await root.run(['dpkg', '--remove', 'half-archive-keyring']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect((await root.run(['test', '-e', '/etc/apt/sources.list.d/half.sources'])).exitCode).not.toBe(0);
    const update = await root.run(['apt-get', 'update']);
    expect(update.exitCode, update.stderr).toBe(0);
    expect(bad(update.stdout + update.stderr)).toEqual([]);
    const again = await root.run(['dpkg', '-i', '/tmp/half-archive-keyring.deb']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await root.readFile('/etc/apt/sources.list.d/half.sources')).toContain('Suites: trixie');
  });

  it('leaves the source deleted when the admin deleted it, through a remove and a reinstall too', async () => {
    await root.run(['rm', '/etc/apt/sources.list.d/half.sources'], { check: true });
    const again = await root.run(['dpkg', '-i', '/tmp/half-archive-keyring.deb']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('wrote /etc/apt/sources.list.d/half.sources');
    expect((await root.run(['test', '-e', '/etc/apt/sources.list.d/half.sources'])).exitCode).not.toBe(0);
    expect((await root.run(['dpkg', '--remove', 'half-archive-keyring'])).exitCode).toBe(0);
    const reinstalled = await root.run(['dpkg', '-i', '/tmp/half-archive-keyring.deb']);
    expect(reinstalled.exitCode, reinstalled.stderr).toBe(0);
    expect((await root.run(['test', '-e', '/etc/apt/sources.list.d/half.sources'])).exitCode).not.toBe(0);
  });

  it('removes the source it wrote on purge, and the temporary file of a postinst killed while writing it', async () => {
    // apt would note it on every update: "Ignoring file 'half.sources.dpkg-tmp' … invalid filename extension"
    await root.writeFile('/etc/apt/sources.list.d/half.sources.dpkg-tmp', 'Types: deb\n');
    const purged = await root.run(['dpkg', '--purge', 'half-archive-keyring']);
    expect(purged.exitCode, purged.stderr).toBe(0);
    for (const path of ['/etc/apt/sources.list.d/half.sources', '/etc/apt/sources.list.d/half.sources.dpkg-tmp']) {
      expect((await root.run(['test', '-e', path])).exitCode, path).not.toBe(0);
    }
  });
});

describe('bootstrapping on Debian 13 again: inactive sources, and an edited one', () => {
  let root: DebianRoot;
  beforeAll(async () => {
    root = await debianRoot({ suite: 'trixie', debianSources: false });
    await root.disableDebianSources();
    await root.writeFile('/tmp/half-archive-keyring.deb', await readFile(keyringDeb));
  }, 600_000);
  afterAll(() => root?.cleanup());

  it('writes half.sources although a commented-out line and a disabled stanza name the repository', async () => {
    await root.writeFile('/etc/apt/sources.list.d/old.list', `# deb [signed-by=/usr/share/keyrings/half-archive-keyring.gpg] ${server.url} trixie half\n`);
    await root.writeFile('/etc/apt/sources.list.d/old.sources', `Types: deb\nURIs: ${server.url}\nSuites: trixie\nComponents: half\nSigned-By: /usr/share/keyrings/half-archive-keyring.gpg\nEnabled: no\n`);
    const installed = await root.run(['dpkg', '-i', '/tmp/half-archive-keyring.deb']);
    expect(installed.exitCode, installed.stderr).toBe(0);
    expect(installed.stderr).toContain('wrote /etc/apt/sources.list.d/half.sources for trixie');
    const update = await root.run(['apt-get', 'update']);
    expect(bad(update.stdout + update.stderr)).toEqual([]);
  });

  it('keeps a source the admin edited through remove and purge, and says why', async () => {
    const edited = (await root.readFile('/etc/apt/sources.list.d/half.sources')).replace('Types: deb', 'Types: deb deb-src');
    await root.writeFile('/etc/apt/sources.list.d/half.sources', edited);
    const removed = await root.run(['dpkg', '--purge', 'half-archive-keyring']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stderr).toContain('half-archive-keyring: /etc/apt/sources.list.d/half.sources was edited (or written anew) since postinst wrote it, so it stays');
    expect(await root.readFile('/etc/apt/sources.list.d/half.sources')).toBe(edited);
    expect((await root.run(['test', '-e', '/var/lib/half-archive-keyring/wrote-half.sources'])).exitCode).not.toBe(0);
  });
});

describe('a Debian 12 machine whose admin configured the repository already', () => {
  let root: DebianRoot;
  beforeAll(async () => {
    root = await debianRoot({ suite: 'bookworm', debianSources: false });
    await root.disableDebianSources();
    // the key under a name of the admin's choosing: apt refuses a second source of the same
    // repository with another Signed-By, and then reads no source at all
    await root.writeFile('/etc/apt/keyrings/half.gpg', await readFile(join(out, 'half-archive-keyring.gpg')));
    await root.writeFile('/etc/apt/sources.list.d/half.list', `deb [signed-by=/etc/apt/keyrings/half.gpg] ${server.url} bookworm half\n`);
  }, 600_000);
  afterAll(() => root?.cleanup());

  it('installs half-archive-keyring without adding a second source', async () => {
    const update = await root.run(['apt-get', 'update']);
    expect(bad(update.stdout + update.stderr)).toEqual([]);
    const install = await root.run(['apt-get', 'install', '-y', 'half-archive-keyring']);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(bad(install.stdout + install.stderr)).toEqual([]);
    expect(install.stdout + install.stderr).toContain('half-archive-keyring: /etc/apt/sources.list.d/half.list is a source of HALF\'s repository already, so no /etc/apt/sources.list.d/half.sources was written');
    const left = await root.run(['test', '-e', '/etc/apt/sources.list.d/half.sources']);
    expect(left.exitCode).not.toBe(0);
    const again = await root.run(['apt-get', 'update']);
    expect(bad(again.stdout + again.stderr)).toEqual([]);
  });

  it('names the admin\'s source when the release changes and it still names the old one', async () => {
    // Debian's own line moved on: only the lines of HALF's repository count
    await root.writeFile('/etc/apt/sources.list', 'deb http://192.0.2.10/debian trixie main\n');
    const triggered = await releaseChange(root, 'trixie', '13.0');
    expect(triggered.exitCode, triggered.stderr).toBe(0);
    expect(triggered.stderr).toContain('half-archive-keyring: this machine is trixie now, but /etc/apt/sources.list.d/half.list, a source of HALF\'s repository, does not name trixie: change its suite to trixie');
    expect(triggered.stderr).not.toContain('/etc/apt/sources.list,');
    await root.writeFile('/etc/apt/sources.list.d/half.list', `deb [signed-by=/etc/apt/keyrings/half.gpg] ${server.url} trixie half\n`);
    const fixed = await releaseChange(root, 'trixie', '13.1');
    expect(fixed.stderr).not.toContain('does not name trixie');
  });
});

describe('a Debian 12 machine upgraded to Debian 13', () => {
  let root: DebianRoot;
  beforeAll(async () => {
    root = await debianRoot({ suite: 'bookworm', debianSources: false });
    await root.disableDebianSources();
    await root.writeFile('/tmp/half-archive-keyring.deb', await readFile(keyringDeb));
    const installed = await root.run(['dpkg', '-i', '/tmp/half-archive-keyring.deb']);
    expect(installed.exitCode, installed.stderr).toBe(0);
    expect(await root.readFile('/etc/apt/sources.list.d/half.sources')).toContain('Suites: bookworm\n');
  }, 600_000);
  afterAll(() => root?.cleanup());

  const releaseBecomes = (codename: string, version: string) => releaseChange(root, codename, version);

  it('makes half.sources follow the release, which apt then uses with no warning', async () => {
    const triggered = await releaseBecomes('trixie', '13.0');
    expect(triggered.exitCode, triggered.stderr).toBe(0);
    expect(triggered.stderr).toContain('half-archive-keyring: /etc/apt/sources.list.d/half.sources now names trixie (was bookworm); run apt-get update');
    const sources = await root.readFile('/etc/apt/sources.list.d/half.sources');
    expect(sources).toContain(`URIs: ${server.url}/\nSuites: trixie\nComponents: half\n`);
    const update = await root.run(['apt-get', 'update']);
    expect(update.exitCode, update.stderr).toBe(0);
    expect(bad(update.stdout + update.stderr)).toEqual([]);
    const policy = await root.run(['apt-cache', 'policy', 'half-archive-keyring'], { check: true });
    expect(policy.stdout).toMatch(new RegExp(`${server.url}/? trixie/half`));
  });

  it('leaves an edited half.sources and a release HALF does not serve alone, and says so', async () => {
    const edited = (await root.readFile('/etc/apt/sources.list.d/half.sources')).replace('Types: deb', 'Types: deb deb-src');
    await root.writeFile('/etc/apt/sources.list.d/half.sources', edited);
    const triggered = await releaseBecomes('forky', '14.0');
    expect(triggered.exitCode, triggered.stderr).toBe(0);
    expect(triggered.stderr).toContain('this machine is forky now, but /etc/apt/sources.list.d/half.sources was edited, so it still names trixie');
    expect(await root.readFile('/etc/apt/sources.list.d/half.sources')).toBe(edited);

    await root.writeFile('/etc/apt/sources.list.d/half.sources', edited.replace('Types: deb deb-src', 'Types: deb'));
    const unserved = await releaseBecomes('forky', '14.1');
    expect(unserved.stderr).toContain('this machine is forky now, for which this half-archive-keyring knows no suite of HALF\'s repository (a newer one may); /etc/apt/sources.list.d/half.sources still names trixie');
    expect(await root.readFile('/etc/apt/sources.list.d/half.sources')).toContain('Suites: trixie\n');
  });

  it('writes the source on a release change when the release it was installed on had none', async () => {
    // as on a machine HALF's repository did not serve at install: no source, no marker
    await root.run(['sh', '-c', 'rm /etc/apt/sources.list.d/half.sources /var/lib/half-archive-keyring/wrote-half.sources'], { check: true });
    const triggered = await releaseBecomes('bookworm', '12.9');
    expect(triggered.exitCode, triggered.stderr).toBe(0);
    expect(triggered.stderr).toContain('half-archive-keyring: wrote /etc/apt/sources.list.d/half.sources for bookworm; run apt-get update');
    expect(await root.readFile('/etc/apt/sources.list.d/half.sources')).toContain('Suites: bookworm\n');
  });
});
