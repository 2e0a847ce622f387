// Issue 2's acceptance, end to end with the real tools: `half-repo build` (the CLI, no
// configuration, a development key) publishes a repository that Debian 12's apt (gpgv) and
// Debian 13's apt (sqv) update from with no W:/E:/Ign: line and install half-archive-keyring
// from; `half-repo verify` accepts it; debsig-verify accepts the packages' origin signature under
// the policy that half-archive-keyring itself installs.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianRoot, type DebianRoot } from '../helpers/chroot.js';
import { halfRepo, isolatedKeyHome } from '../helpers/half-repo-cli.js';
import { serveDirectory, type DirectoryServer } from '../helpers/http-server.js';
import { requireTool, run } from '../helpers/tools.js';

let out: string;
let keyHome: string;
let server: DirectoryServer;
let buildOutput: { stdout: string; stderr: string };

/** apt lines that mean something is wrong (or ignored) for any source. */
function badAptLines(output: string): string[] {
  return output.split('\n').filter((line) => /^(W|E|N|Err|Ign):/.test(line));
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'half-e2e-repo-'));
  keyHome = await isolatedKeyHome();
  const result = await halfRepo(['build', '--out', out], { env: { XDG_DATA_HOME: keyHome } });
  buildOutput = result;
  expect(result.exitCode, result.stderr).toBe(0);
  server = await serveDirectory(out);
}, 1_800_000);

afterAll(async () => {
  await server?.close();
  await rm(out, { recursive: true, force: true });
  await rm(keyHome, { recursive: true, force: true });
});

describe('half-repo build with no configuration', () => {
  it('says loudly that it signs with a development key and prints both sources forms', () => {
    expect(buildOutput.stderr).toMatch(/WARNING.*DEVELOPMENT key/);
    // by codename, the client's release: an alias would move to Debian's next release
    expect(buildOutput.stdout).toContain(`  # Debian 13 (trixie)\n  deb [signed-by=/usr/share/keyrings/half-archive-keyring.gpg] file://${out}/ trixie half\n  # Debian 12 (bookworm)\n  deb [signed-by=/usr/share/keyrings/half-archive-keyring.gpg] file://${out}/ bookworm half\n`);
    expect(buildOutput.stdout).not.toMatch(/ stable half|Suites: stable/);
    expect(buildOutput.stdout).toMatch(/Types: deb\n\s+URIs: file:\/\/.*\n\s+Suites: trixie\n\s+Components: half\n\s+Signed-By: \/usr\/share\/keyrings\/half-archive-keyring.gpg/);
  });

  it('writes the keyring in both forms beside the repository', async () => {
    const gpg = await readFile(join(out, 'half-archive-keyring.gpg'));
    const asc = await readFile(join(out, 'half-archive-keyring.asc'), 'utf8');
    // A public-key packet (old format 0x99 or new format 0xc6): a binary keyring, not a keybox.
    expect([0x99, 0xc6]).toContain(gpg[0]);
    expect(asc).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  });

  it('passes half-repo verify', async () => {
    const result = await halfRepo(['verify', out]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('OK');
  });

  it('lists what it published (list --json)', async () => {
    const result = await halfRepo(['list', out, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as { package: string; suites: string[] }[];
    const keyring = rows.find((r) => r.package === 'half-archive-keyring');
    expect(keyring?.suites.sort()).toEqual(['bookworm', 'trixie']);
  });

  it('gives packages an origin signature that debsig-verify accepts under the shipped policy', async () => {
    requireTool('debsig-verify');
    const poolDir = join(out, 'pool', 'half', 'h', 'half-archive-keyring');
    const deb = join(poolDir, (await readdir(poolDir)).find((n) => n.endsWith('.deb')) as string);
    const root = await mkdtemp(join(tmpdir(), 'half-debsig-'));
    try {
      await run('dpkg-deb', ['-x', deb, root], { check: true });
      const verified = await run('debsig-verify', ['--root', root, deb]);
      expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

for (const { suite, line } of [
  { suite: 'bookworm', line: 'bookworm' },
  { suite: 'trixie', line: 'stable' },
] as const) {
  describe(`a Debian ${suite === 'bookworm' ? 12 : 13} client`, () => {
    let root: DebianRoot;
    beforeAll(async () => {
      root = await debianRoot({ suite, debianSources: false });
      await root.disableDebianSources();
    }, 600_000);
    afterAll(() => root?.cleanup());

    it(`updates from "${line} half" with no warning and installs half-archive-keyring`, async () => {
      await root.aptSourceForRepo({ url: server.url, suite: line, component: 'half', keyringPath: join(out, 'half-archive-keyring.gpg'), name: 'half' });
      const update = await root.run(['apt-get', 'update']);
      expect(update.exitCode, update.stdout + update.stderr).toBe(0);
      expect(badAptLines(update.stdout + update.stderr)).toEqual([]);
      const install = await root.run(['apt-get', 'install', '-y', 'half-archive-keyring']);
      expect(install.exitCode, install.stdout + install.stderr).toBe(0);
      expect(badAptLines(install.stdout + install.stderr)).toEqual([]);
      const listed = await root.run(['dpkg-query', '-L', 'half-archive-keyring'], { check: true });
      expect(listed.stdout).toContain('/usr/share/keyrings/half-archive-keyring.gpg');
      expect(listed.stdout).toMatch(/\/etc\/debsig\/policies\/[0-9A-F]{40}\/half\.pol/);
      // The installed keyring is the one apt verified the repository with.
      expect(Buffer.compare(await root.readBytes('/usr/share/keyrings/half-archive-keyring.gpg'), await readFile(join(out, 'half-archive-keyring.gpg')))).toBe(0);
      // A second update after installing the keyring still says nothing wrong (no duplicate source).
      const again = await root.run(['apt-get', 'update']);
      expect(badAptLines(again.stdout + again.stderr)).toEqual([]);
    });

    it('fetches the indexes by hash', () => {
      const byHash = server.requests.filter((r) => r.path.includes('/by-hash/SHA512/'));
      expect(byHash.length).toBeGreaterThan(0);
      expect(server.requests.filter((r) => r.status >= 400 && !r.path.endsWith('.diff/Index'))).toEqual([]);
    });

    it('purges half-archive-keyring cleanly', async () => {
      const purge = await root.run(['apt-get', 'purge', '-y', 'half-archive-keyring']);
      expect(purge.exitCode, purge.stderr).toBe(0);
      const status = await root.run(['dpkg-query', '-W', '-f=${Status}', 'half-archive-keyring']);
      expect(status.stdout).not.toContain('installed');
    });
  });
}
