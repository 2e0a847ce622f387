// half-syncd for amd64 and arm64, built by its real definition: what dpkg-deb sees inside, the
// netlink prebuild of the right architecture (stripped) with the library dependencies
// dpkg-shlibdeps computes, maintainer scripts that dash parses, lintian-clean, and the same
// bytes on every build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import halfSyncd, { ARCHITECTURES, halfSyncdDefinition, NODEJS_DEPENDS, SHLIBS_DEPENDS } from '../../pkgs/half-syncd.js';
import { servedArchitectures } from '../../pkgs/lib/served-architectures.js';
import { bundleDaemon, DAEMON_PROGRAMS } from '../../scripts/bundle-daemon.js';
import type { DebArtifact } from '../../repo-tool/src/model/artifact.js';
import { lintian } from '../repo-tool/deb/helpers/lintian.js';
import { run } from '../helpers/tools.js';
import { REPO_ROOT, testContext } from './helpers/context.js';
import { build, debField, debFile, debFolder, debPaths, type DebFolder } from './helpers/debs.js';

let debs: DebFolder;
const built = new Map<string, { artifact: DebArtifact; path: string }>();
beforeAll(async () => {
  debs = await debFolder();
  const bundle = bundleDaemon({ root: REPO_ROOT, version: testContext().projectVersion });
  for (const architecture of ARCHITECTURES) {
    const def = halfSyncdDefinition(testContext(), architecture, bundle);
    const artifact = await build(def);
    built.set(def.architecture, { artifact, path: await debs.put(artifact) });
  }
});
afterAll(() => debs?.cleanup());

const deb = (arch: string): string => built.get(arch)?.path as string;

describe('half-syncd', () => {
  it('is built for amd64 and arm64, the architectures with a netlink prebuild', () => {
    expect([...built.keys()]).toEqual(['amd64', 'arm64']);
  });

  it('is built by default only for the architectures the repository serves (half-repo.json)', async () => {
    const served = servedArchitectures(REPO_ROOT);
    expect(halfSyncd(testContext()).map((d) => d.architecture)).toEqual(ARCHITECTURES.filter((a) => served.includes(a)));
    const dir = await mkdtemp(join(tmpdir(), 'half-served-'));
    try {
      expect(servedArchitectures(dir)).toEqual(['amd64', 'all']); // half-repo's default layout
      await writeFile(join(dir, 'half-repo.json'), '{"architectures": ["amd64", "arm64", "all"]}');
      expect(servedArchitectures(dir)).toEqual(['amd64', 'arm64', 'all']);
      await writeFile(join(dir, 'half-repo.json'), '{"architectures": "arm64"}');
      expect(() => servedArchitectures(dir)).toThrow(/"architectures" must be a non-empty list/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(['amd64', 'arm64'])('%s: ships every program, the wrappers, the unit and its own architecture\'s binding', async (arch) => {
    const paths = await debPaths(deb(arch));
    for (const program of DAEMON_PROGRAMS) {
      expect(paths, program.source).toContain(`/usr/lib/half/${program.output}`);
      if (program.command !== undefined) expect(paths).toContain(program.command);
    }
    // the wrappers run Debian's node, half-syncd's with one V8 helper thread
    const syncd = await debFile(deb(arch), '/usr/sbin/half-syncd');
    expect(syncd).toBe('#!/bin/sh\n# Runs /usr/lib/half/half-syncd.js with Debian\'s nodejs.\nexec /usr/bin/node --v8-pool-size=1 /usr/lib/half/half-syncd.js "$@"\n');
    expect(await debFile(deb(arch), '/usr/sbin/half')).toMatch(/^exec \/usr\/bin\/node \/usr\/lib\/half\/half\.js "\$@"$/m);
    const tuple = arch === 'amd64' ? 'linux-x64' : 'linux-arm64';
    expect(paths.filter((p) => p.endsWith('.node'))).toEqual([`/usr/lib/half/netlink/prebuilds/${tuple}/node.napi.node`]);
    expect(paths).toEqual(expect.arrayContaining(['/usr/lib/half/package.json', '/usr/lib/systemd/system/half-syncd.service', '/usr/share/man/man5/half.conf.5.gz', '/usr/share/man/man8/half.8.gz']));
    const depends = await debField(deb(arch), 'Depends');
    expect(depends).toBe([NODEJS_DEPENDS, ...(SHLIBS_DEPENDS[arch] ?? []), 'debconf (>= 0.5) | debconf-2.0', 'iproute2', 'nftables', 'procps'].join(', '));
    const control = (await run('dpkg-deb', ['--info', deb(arch)], { check: true })).stdout;
    for (const member of ['config', 'postinst', 'prerm', 'postrm', 'templates']) expect(control).toMatch(new RegExp(` ${member} `));
  });

  it('declares the library dependencies dpkg-shlibdeps computes for the amd64 binding, which is stripped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'half-shlibs-'));
    try {
      await mkdir(join(dir, 'debian/half-syncd'), { recursive: true });
      await run('dpkg-deb', ['-x', deb('amd64'), join(dir, 'debian/half-syncd')], { check: true });
      await writeFile(join(dir, 'debian/control'), 'Source: half\n\nPackage: half-syncd\nArchitecture: amd64\n');
      const binding = 'debian/half-syncd/usr/lib/half/netlink/prebuilds/linux-x64/node.napi.node';
      const shlibs = await run('dpkg-shlibdeps', ['-O', '--ignore-missing-info', binding], { cwd: dir });
      expect(shlibs.exitCode, shlibs.stderr).toBe(0);
      expect(shlibs.stdout.trim()).toBe(`shlibs:Depends=${(SHLIBS_DEPENDS['amd64'] ?? []).join(', ')}`);
      expect((await run('file', ['-b', join(dir, binding)])).stdout).toMatch(/x86-64.*, stripped$/m);
      await mkdir(join(dir, 'arm'), { recursive: true });
      await run('dpkg-deb', ['-x', deb('arm64'), join(dir, 'arm')], { check: true });
      const arm = join(dir, 'arm/usr/lib/half/netlink/prebuilds/linux-arm64/node.napi.node');
      expect((await run('file', ['-b', arm])).stdout).toMatch(/ARM aarch64.*, stripped$/m);
      // arm64: the highest glibc symbol version the binding needs is the libc6 floor declared.
      const versions = (await run('readelf', ['-V', '-W', arm], { check: true })).stdout;
      const glibc = [...versions.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).pop();
      expect(SHLIBS_DEPENDS['arm64']).toContain(`libc6 (>= ${glibc?.join('.')})`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has maintainer scripts that dash parses', async () => {
    for (const script of ['config', 'postinst', 'prerm', 'postrm']) {
      const r = await run('dash', ['-n', join(REPO_ROOT, 'debian/half-syncd', script)]);
      expect(r.exitCode, `${script}: ${r.stderr}`).toBe(0);
    }
  });

  it('is lintian-clean on both architectures', async () => {
    const input = new Map([...built].map(([arch, b]) => [`half-syncd_${arch}.deb`, b.artifact.bytes] as const));
    expect(await lintian(input)).toEqual([]);
  });

  it('builds to the same bytes every time', async () => {
    const again = halfSyncd(testContext()).find((d) => d.architecture === 'amd64');
    const second = await build(again!);
    expect(Buffer.from(second.bytes).equals(Buffer.from(built.get('amd64')!.artifact.bytes))).toBe(true);
  });
});
