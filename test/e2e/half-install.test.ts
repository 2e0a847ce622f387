// Issue 4's acceptance, end to end with the real tools: `half-repo build` (the CLI, a
// development key) publishes HALF into a repository served on 127.0.0.1, and Debian 12 and 13
// firewalls (chroots from the machine's mirror, their maintainer scripts run in a firewall-shaped
// network namespace) do what an admin does: `apt-get update`, `apt-get install half` with no
// warning, without and with preseeded answers (the node then comes up configured, and
// keepalived, nft and sysctl accept what it wrote), `--reinstall`, an upgrade from the previous
// release (built by this test from a copy of the checkout at a lower version), remove, purge
// (clean: piuparts without answers, a file-list comparison with them). On Debian 12 the
// keepalived is HALF's backport, whose source `apt-get source` fetches from the repository;
// lintian accepts every package the build published.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNIT_PATH } from '../../pkgs/half-syncd.js';
import { PRIMARY_PRESEED, GENERATED_FILES } from '../debian/helpers/answers.js';
import { testMirror } from '../helpers/chroot-setup.js';
import { PROJECT_ROOT } from '../helpers/half-repo-cli.js';
import { serveDirectory, type DirectoryServer } from '../helpers/http-server.js';
import { cachedRootfs } from '../helpers/rootfs-cache.js';
import { run, type RunResult } from '../helpers/tools.js';
import { expectCleanApt, expectCleanRun, scriptLines } from './install/expect-apt.js';
import { clientPackages, firewallClient, type AptRun, type FirewallClient } from './install/firewall-client.js';
import { HALF_PACKAGES, installExpectations, notConfiguredMessage, POLICY_RC_D_DENIED, SOURCE_NOTICES, UNIT_ENABLED } from './install/install-expectations.js';
import { KEEPALIVED_HALF_SUFFIX, KEEPALIVED_HALF_SUFFIX_RE } from './install/backport-version.js';
import { debsBelow, isOriginSignatureTag, lintDebs, lintSources, unjustifiedTags } from './install/lintian-check.js';
import { checksums, configFilesPackages, enabledUnits, installedPackages, runningInNode } from './install/node-checks.js';
import { piuparts } from './install/piuparts.js';
import { halfRepository, projectVersion, type BuildRun, type HalfRepository } from './install/repositories.js';
import { diffFileLists, fileList } from './install/rootfs-files.js';

const SUITES = [
  { suite: 'bookworm', debian: 12, backport: true },
  { suite: 'trixie', debian: 13, backport: false },
] as const;

let version: string;
let previousVersion: string;
let repo: HalfRepository;
let server: DirectoryServer;
let previous: BuildRun;
let current: BuildRun;
/** A Debian 12 node that installed the previous release before the current one was published. */
const upgrade = {} as { node: FirewallClient; update: RunResult; install: AptRun; sums: string; units: Map<string, string>; reports: string };

/** A node of `suite` with HALF's repository (deb and deb-src) added and `apt-get update` done. */
async function nodeWithRepository(suite: (typeof SUITES)[number]['suite'], label: string): Promise<{ node: FirewallClient; update: RunResult }> {
  const node = await firewallClient(suite, label);
  try {
    await node.addRepository({ url: server.url, suite, component: 'half', keyringPath: repo.keyring, name: 'half', types: ['deb', 'deb-src'] });
    return { node, update: await node.fetch(['apt-get', 'update']) };
  } catch (error) {
    await node.cleanup();
    throw error;
  }
}

beforeAll(async () => {
  version = await projectVersion();
  previousVersion = `${version}~e2e1`;
  repo = await halfRepository();
  previous = await repo.build({ version: previousVersion });
  if (previous.exitCode !== 0) throw new Error(`half-repo build of ${previousVersion} failed:\n${previous.stderr}`);
  server = await serveDirectory(repo.out);
  const { node, update } = await nodeWithRepository('bookworm', 'upgrade');
  Object.assign(upgrade, { node, update });
  await node.preseed(PRIMARY_PRESEED);
  upgrade.install = await node.apt(['install', 'half']);
  if (upgrade.install.run.exitCode !== 0) throw new Error(`apt-get install half ${previousVersion} failed:\n${upgrade.install.run.stdout}${upgrade.install.run.stderr}`);
  upgrade.sums = await checksums(node, GENERATED_FILES);
  upgrade.units = await enabledUnits(node);
  upgrade.reports = (await node.inNode(['half', '--version'])).stdout.trim();
  current = await repo.build();
  if (current.exitCode !== 0) throw new Error(`half-repo build of ${version} failed:\n${current.stderr}`);
}, 1_800_000);

afterAll(async () => {
  await upgrade.node?.cleanup();
  await server?.close();
  await repo?.cleanup();
});

describe('half-repo build', () => {
  it('publishes the keepalived backport for Debian 12; Debian 13 keeps its own keepalived, with a warning', async () => {
    const pool = await readdir(join(repo.out, 'pool', 'half', 'k', 'keepalived'));
    expect(pool.filter((n) => new RegExp(`~bpo12${KEEPALIVED_HALF_SUFFIX_RE}(_amd64\\.deb|\\.dsc|\\.debian\\.tar\\.xz)$`).test(n))).toHaveLength(3);
    expect(pool.some((n) => /\.orig\.tar\.(gz|xz)$/.test(n))).toBe(true);
    // Debian 13's keepalived may or may not build as a backport here: either the backport is
    // complete, or the build said so and the suite keeps Debian's own
    const trixie = pool.filter((n) => new RegExp(`~bpo13${KEEPALIVED_HALF_SUFFIX_RE}(_amd64\\.deb|\\.dsc|\\.debian\\.tar\\.xz)$`).test(n));
    if (pool.some((n) => n.includes('~bpo13+'))) {
      expect(trixie).toHaveLength(3);
      expect(current.stderr).not.toMatch(/WARNING: keepalived backport for trixie failed/);
    } else expect(current.stderr).toMatch(/WARNING: keepalived backport for trixie failed[\s\S]*trixie keeps Debian's own keepalived\./);
  });

  it('gives every package it built no lintian error but the origin signature\'s, and only warnings justified in pkgs/', async () => {
    const built = (await debsBelow(join(repo.out, 'pool'))).filter((p) => p.includes(`_${version}_`) || p.includes('/keepalived_'));
    expect(built.map((p) => p.split('/').pop()?.split('_')[0]).sort()).toEqual(['half', 'half-archive-keyring', 'half-kernel', 'half-syncd', 'keepalived']);
    const tags = await lintDebs(built.map((p) => join(repo.out, 'pool', p)));
    expect((await unjustifiedTags(PROJECT_ROOT, tags)).map((t) => t.line)).toEqual([]);
    // HALF's own packages are signed (debsig), so each carries exactly that one error.
    const signed = tags.filter(isOriginSignatureTag).map((t) => t.package).sort();
    expect(signed).toEqual(['half', 'half-archive-keyring', 'half-kernel', 'half-syncd']);
  }, 300_000);

  it('gives the keepalived source package it published no lintian error, and only warnings justified in pkgs/backports.json', async () => {
    const dir = join(repo.out, 'pool', 'half', 'k', 'keepalived');
    const dscs = (await readdir(dir)).filter((n) => n.endsWith('.dsc')).map((n) => join(dir, n));
    expect(dscs.length).toBeGreaterThan(0);
    const tags = await lintSources(dscs);
    expect(tags.every((t) => t.package === 'keepalived'), 'tags of the source package').toBe(true);
    expect((await unjustifiedTags(PROJECT_ROOT, tags)).map((t) => t.line)).toEqual([]);
  }, 300_000);
});

for (const { suite, debian, backport } of SUITES) {
  describe(`Debian ${debian}: apt-get install half without answers`, () => {
    let node: FirewallClient;
    let update: RunResult;
    let install: AptRun;
    beforeAll(async () => {
      ({ node, update } = await nodeWithRepository(suite, `bare${debian}`));
      install = await node.apt(['install', 'half']);
    }, 900_000);
    afterAll(() => node?.cleanup());

    it('updates and installs with no warning, saying only how to finish the configuration', () => {
      expectCleanRun(update);
      expectCleanApt(install, installExpectations({ configured: false, backport }));
      const said = scriptLines(install.run, 'half-syncd').filter((line) => !UNIT_ENABLED.some((p) => p.test(line)));
      expect(said).toEqual(notConfiguredMessage());
    });

    it('installs HALF\'s packages and their Debian dependencies, every file intact', async () => {
      const packages = await installedPackages(node);
      for (const name of HALF_PACKAGES) expect(packages.get(name), name).toBe(version);
      for (const name of ['keepalived', 'nodejs', 'conntrack', 'nftables', 'iproute2']) expect(packages.has(name), name).toBe(true);
      const verify = await node.inNode(['dpkg', '--verify', ...HALF_PACKAGES, 'keepalived']);
      expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toBe('');
      for (const path of ['/usr/sbin/half', '/usr/sbin/half-syncd', '/usr/lib/half/half-syncd.js', UNIT_PATH, '/usr/lib/modules-load.d/half-kernel.conf', '/usr/lib/sysctl.d/50-half-kernel.conf', '/usr/share/doc/half/copyright']) {
        expect(await node.exists(path), path).toBe(true);
      }
      const help = await node.inNode(['half', '--help']);
      expect(help.exitCode, help.stderr).toBe(0);
      expect((await node.inNode(['half', '--version'])).stdout.trim()).toBe(`half ${version}`);
    });

    it('enables half-syncd and keepalived, and policy-rc.d kept every service stopped', async () => {
      const units = await enabledUnits(node);
      expect(units.get('multi-user.target.wants/half-syncd.service')).toMatch(/\/systemd\/system\/half-syncd\.service$/);
      expect(units.get('multi-user.target.wants/keepalived.service')).toMatch(/\/systemd\/system\/keepalived\.service$/);
      expect(scriptLines(install.run, 'keepalived').filter((l) => POLICY_RC_D_DENIED.some((p) => p.test(l)))).toContain('invoke-rc.d: policy-rc.d denied execution of start.');
      expect(await runningInNode(node)).toEqual([]);
    });

    it('configures nothing: no generated file, and `half status` says so', async () => {
      for (const path of GENERATED_FILES) expect(await node.exists(path), path).toBe(false);
      const status = await node.inNode(['half', 'status']);
      expect(status.exitCode).not.toBe(0);
      expect(status.stderr).toContain('not configured');
    });

    it(backport ? 'runs HALF\'s keepalived backport' : 'runs Debian\'s own keepalived, which satisfies half', async () => {
      const installed = (await installedPackages(node)).get('keepalived') as string;
      expect(installed.endsWith(`~bpo12${KEEPALIVED_HALF_SUFFIX}`)).toBe(backport);
      const satisfies = await run('dpkg', ['--compare-versions', installed, 'ge', '1:2.3~']);
      expect(satisfies.exitCode).toBe(0);
      const keepalived = await node.inNode(['keepalived', '--version']);
      expect(keepalived.exitCode, keepalived.stderr).toBe(0);
      expect(keepalived.stdout + keepalived.stderr).toMatch(/Keepalived v2\.3\./);
      if (backport) expect(await node.exists('/usr/share/doc/keepalived/examples/keepalived.conf.HALF')).toBe(true);
    });

    it('reinstalls half and half-syncd with no warning', async () => {
      const reinstall = await node.apt(['install', '--reinstall', 'half', 'half-syncd']);
      expectCleanApt(reinstall, installExpectations({ configured: false, backport }));
      expect(reinstall.run.stdout).toMatch(/^0 upgraded, 0 newly installed, 2 reinstalled, 0 to remove and 0 not upgraded\.$/m);
    });

    if (backport) {
      it('fetches the backport\'s source from HALF\'s repository alone, and the .dsc verifies', async () => {
        const sourceRun = { ours: [], expected: { '*': SOURCE_NOTICES } };
        const uris = await node.fetch(['apt-get', 'source', '--print-uris', 'keepalived']);
        expectCleanRun(uris, sourceRun);
        const urls = [...uris.stdout.matchAll(/^'([^']+)' /gm)].map((m) => m[1] as string);
        expect(urls.length).toBeGreaterThanOrEqual(3);
        for (const url of urls) expect(url.startsWith(`${server.url}/pool/half/k/keepalived/`), url).toBe(true);
        const fetched = await node.fetch('install -d -o _apt /srv/src && cd /srv/src && apt-get source --download-only keepalived');
        expectCleanRun(fetched, sourceRun);
        const dsc = (await readdir(await node.root.hostPath('/srv/src'))).find((n) => n.endsWith('.dsc')) as string;
        expect(dsc).toMatch(new RegExp(`^keepalived_2\\.3\\.\\d+-\\d+~bpo12${KEEPALIVED_HALF_SUFFIX_RE}\\.dsc$`));
        const work = await mkdtemp(join(tmpdir(), 'half-e2e-source-'));
        try {
          const extract = await run('dpkg-source', ['--require-strong-checksums', '-x', join(await node.root.hostPath('/srv/src'), dsc), join(work, 'keepalived')]);
          expect(extract.exitCode, extract.stderr).toBe(0);
          // Built with -us -uc: the only warning is that the .dsc carries no OpenPGP signature.
          expect(extract.stderr.split('\n').filter((l) => l !== '' && !/^dpkg-source: warning: extracting unsigned source package/.test(l))).toEqual([]);
          const changelog = await run('dpkg-parsechangelog', ['-l', join(work, 'keepalived', 'debian', 'changelog'), '-S', 'Version'], { check: true });
          expect(changelog.stdout.trim()).toBe((await installedPackages(node)).get('keepalived'));
          const examples = await readdir(join(work, 'keepalived', 'debian', 'half'));
          expect(examples.sort()).toEqual(['README.HALF', 'keepalived.conf.HALF']);
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      });
    }
  });

  describe(`Debian ${debian}: apt-get install half with every answer preseeded, then remove and purge`, () => {
    let node: FirewallClient;
    let install: AptRun;
    let filesBefore: Map<string, string>;
    let packagesBefore: Map<string, string>;
    const configured = installExpectations({ configured: true, backport });
    beforeAll(async () => {
      ({ node } = await nodeWithRepository(suite, `seed${debian}`));
      [filesBefore, packagesBefore] = await Promise.all([fileList(node.root.dir), installedPackages(node)]);
      await node.preseed(PRIMARY_PRESEED);
      install = await node.apt(['install', 'half']);
    }, 900_000);
    afterAll(() => node?.cleanup());

    it('installs with no warning and comes up configured, saying where the line for the next node is', async () => {
      expectCleanApt(install, configured);
      const said = scriptLines(install.run, 'half-syncd');
      expect(said[0]).toBe('HALF node 1 (priority 150) configured from /etc/half/half.conf:');
      expect(said).toContainEqual(expect.stringContaining('run `half configure --print-join` on this node'));
      expect(said.join('\n')).not.toContain((await node.root.readFile('/etc/half/cluster.key')).trim());
      for (const path of GENERATED_FILES) expect(await node.exists(path), path).toBe(true);
      expect(await node.root.readFile('/etc/half/half.conf')).toContain('[sync]\ninterface = eth2\naddress = 203.0.113.1\npeers = 203.0.113.2\n');
      expect((await node.inNode(['stat', '-c', '%a %U', '/etc/half/cluster.key'], { check: true })).stdout.trim()).toBe('600 root');
      expect((await enabledUnits(node)).get('multi-user.target.wants/half-syncd.service')).toMatch(/\/systemd\/system\/half-syncd\.service$/);
      expect(await runningInNode(node)).toEqual([]);
    });

    it('wrote a keepalived.conf, nftables rules and sysctls that keepalived, nft and sysctl accept on the node', async () => {
      const keepalived = await node.inNode(['keepalived', '--config-test', '-f', '/etc/keepalived/keepalived.conf']);
      expect(keepalived.exitCode, keepalived.stdout + keepalived.stderr).toBe(0);
      expect(await node.root.readFile('/etc/keepalived/keepalived.conf')).toMatch(/vrrp_sync_group/);
      const nft = await node.inNode(['nft', '-c', '-f', '/etc/half/half.nft']);
      expect(nft.exitCode, nft.stderr).toBe(0);
      // The host's sysctl (the node has no procps), in the node's own network namespace: the
      // settings HALF writes are all per namespace.
      const sysctl = await node.fw.exec(['sysctl', '-p', await node.root.hostPath('/etc/sysctl.d/60-half.conf')]);
      expect(sysctl.exitCode, sysctl.stderr).toBe(0);
      expect(sysctl.stdout).toContain('net.ipv4.ip_forward = 1');
    });

    it('reinstalls with no warning and changes no generated file', async () => {
      const before = await checksums(node, GENERATED_FILES);
      expectCleanApt(await node.apt(['install', '--reinstall', 'half', 'half-syncd']), configured);
      expect(await checksums(node, GENERATED_FILES)).toBe(before);
    });

    it('keeps the configuration on remove, and purge takes away exactly what HALF wrote', async () => {
      expectCleanApt(await node.apt(['remove', ...HALF_PACKAGES]), configured);
      for (const path of GENERATED_FILES) expect(await node.exists(path), path).toBe(true);
      const left = await configFilesPackages(node, HALF_PACKAGES);
      expect(left).toEqual(['half-syncd']); // half and half-kernel have no conffiles and no generated files
      expectCleanApt(await node.apt(['purge', ...left]), configured);
      for (const path of [...GENERATED_FILES, '/var/lib/half', '/var/lib/half-syncd', '/etc/half']) expect(await node.exists(path), path).toBe(false);
      expect((await node.inNode(['debconf-show', 'half-syncd'])).stdout.trim()).toBe('');
    });

    it('leaves the system as it found it once apt removes what it installed for HALF', async () => {
      expectCleanApt(await node.apt(['autoremove', '--purge']), configured);
      // apt keeps packages that a package of the base system recommends or suggests
      // (APT::AutoRemove::{Recommends,Suggests}Important); they are Debian's, not HALF's.
      const kept = [...(await installedPackages(node)).keys()].filter((name) => !packagesBefore.has(name));
      if (kept.length > 0) {
        const weak = await node.inNode(['apt-get', '-s', 'autoremove', '-o', 'APT::AutoRemove::RecommendsImportant=false', '-o', 'APT::AutoRemove::SuggestsImportant=false']);
        for (const name of kept) expect(weak.stdout, `${name} is kept for another reason`).toMatch(new RegExp(`^Remv ${name.replace(/[.+]/g, '\\$&')}[ :]`, 'm'));
        expectCleanApt(await node.apt(['purge', ...kept]), configured);
      }
      expect(await installedPackages(node)).toEqual(packagesBefore);
      expect(diffFileLists(filesBefore, await fileList(node.root.dir))).toEqual({ added: [], removed: [] });
    });
  });

  it(`piuparts installs and purges half on Debian ${debian} cleanly`, async () => {
    const mirror = await testMirror();
    const architecture = (await run('dpkg', ['--print-architecture'], { check: true })).stdout.trim();
    const rootfs = await cachedRootfs({ suite, variant: 'apt', packages: clientPackages(architecture), mirror, architecture });
    const result = await piuparts({ suite, mirror, rootfs: rootfs.treePath, url: server.url, keyring: repo.keyring, packages: ['half'] });
    expect(result.exitCode, result.log.split('\n').slice(-60).join('\n')).toBe(0);
    expect(result.log).toContain('PASS: Installation and purging test.');
    expect(result.log).toContain('PASS: All tests.');
  }, 900_000);
}

describe('Debian 12: upgrade from the previous release', () => {
  it('had installed the previous release, configured from the preseed, with no warning', async () => {
    expectCleanRun(upgrade.update);
    expectCleanApt(upgrade.install, installExpectations({ configured: true, backport: true }));
    expect(upgrade.units.get('multi-user.target.wants/half-syncd.service')).toMatch(/half-syncd\.service$/);
    expect(upgrade.sums.split('\n').filter((l) => l !== '')).toHaveLength(GENERATED_FILES.length);
    expect(upgrade.reports).toBe(`half ${previousVersion}`);
  });

  it('upgrades to the release published since, with no warning, keeping the node\'s configuration', async () => {
    const before = await installedPackages(upgrade.node);
    for (const name of HALF_PACKAGES) expect(before.get(name), name).toBe(previousVersion);
    expectCleanRun(await upgrade.node.fetch(['apt-get', 'update']));
    const upgraded = await upgrade.node.apt(['upgrade']);
    expectCleanApt(upgraded, installExpectations({ configured: true, backport: true }));
    const after = await installedPackages(upgrade.node);
    for (const name of HALF_PACKAGES) expect(after.get(name), name).toBe(version);
    expect(after.get('keepalived')).toBe(before.get('keepalived'));
    expect(await checksums(upgrade.node, GENERATED_FILES)).toBe(upgrade.sums);
    expect(await enabledUnits(upgrade.node)).toEqual(upgrade.units);
    expect(await upgrade.node.exists(UNIT_PATH)).toBe(true);
    expect((await upgrade.node.inNode(['half', '--version'])).stdout.trim()).toBe(`half ${version}`);
    expect(scriptLines(upgraded.run, 'half-syncd')).toContain('  unchanged /etc/keepalived/keepalived.conf');
    expect(await runningInNode(upgrade.node)).toEqual([]);
  });
});
