// A reference apt repository made by Debian's own tools: packages built by `dpkg-deb --build`,
// indexes and Release by `apt-ftparchive`, signatures by GnuPG. Tests use it as the oracle for
// what apt accepts (and to prove the chroot and HTTP helpers before HALF's own repository
// replaces it). Layout: DebianRepository/Format (pool/, dists/SUITE/COMPONENT/binary-ARCH/).
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ThrowawayGpgKey } from './gpg-key.js';
import { requireTool, run } from './tools.js';

export interface TestDebOptions {
  /** Directory the .deb is written to (a scratch tree is made next to it). */
  readonly outDir: string;
  readonly name: string;
  readonly version: string;
  /** Files to install, absolute path → content. Default: /usr/share/NAME/hello. */
  readonly files?: Readonly<Record<string, string>>;
  readonly depends?: string;
}

/** Builds an Architecture: all package with dpkg-deb; returns its path. */
export async function buildTestDeb(options: TestDebOptions): Promise<string> {
  requireTool('dpkg-deb');
  const tree = join(options.outDir, `${options.name}-${options.version}.tree`);
  const files = options.files ?? { [`/usr/share/${options.name}/hello`]: `hello from ${options.name} ${options.version}\n` };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), content, { mode: 0o644 });
  }
  const control = [
    `Package: ${options.name}`,
    `Version: ${options.version}`,
    'Architecture: all',
    'Maintainer: HALF tests <test@half.invalid>',
    ...(options.depends === undefined ? [] : [`Depends: ${options.depends}`]),
    'Section: misc',
    'Priority: optional',
    `Description: ${options.name}, a package made by the HALF test helpers`,
    ' It installs one small file.',
    '',
  ].join('\n');
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await writeFile(join(tree, 'DEBIAN/control'), control);
  const deb = join(options.outDir, `${options.name}_${options.version}_all.deb`);
  await run('dpkg-deb', ['--root-owner-group', '--build', tree, deb], { check: true });
  return deb;
}

export interface ReferenceRepoOptions {
  /** Repository root (what the HTTP server serves). */
  readonly dir: string;
  readonly suite: string;
  readonly component: string;
  readonly architectures: readonly string[];
  readonly debs: readonly string[];
  readonly key: ThrowawayGpgKey;
}

/** pool/, Packages(.gz) per architecture, Release, InRelease and Release.gpg. */
export async function buildReferenceRepo(options: ReferenceRepoOptions): Promise<void> {
  requireTool('apt-ftparchive');
  const { dir, suite, component } = options;
  const pool = join('pool', component);
  await mkdir(join(dir, pool), { recursive: true });
  for (const deb of options.debs) await copyFile(deb, join(dir, pool, basename(deb)));
  for (const arch of options.architectures) {
    const packages = await run('apt-ftparchive', ['--arch', arch, 'packages', pool], { cwd: dir, check: true });
    const indexDir = join(dir, 'dists', suite, component, `binary-${arch}`);
    await mkdir(indexDir, { recursive: true });
    await writeFile(join(indexDir, 'Packages'), packages.stdout);
    await writeFile(join(indexDir, 'Packages.gz'), gzipSync(Buffer.from(packages.stdout), { level: 9 }));
  }
  const field = (name: string, value: string): string[] => ['-o', `APT::FTPArchive::Release::${name}=${value}`];
  const release = await run(
    'apt-ftparchive',
    [
      ...field('Origin', 'HALF tests'),
      ...field('Label', 'HALF tests'),
      ...field('Suite', suite),
      ...field('Codename', suite),
      ...field('Architectures', options.architectures.join(' ')),
      ...field('Components', component),
      'release',
      join('dists', suite),
    ],
    { cwd: dir, check: true },
  );
  const releasePath = join(dir, 'dists', suite, 'Release');
  await writeFile(releasePath, release.stdout);
  await options.key.clearsign(releasePath, join(dir, 'dists', suite, 'InRelease'));
  await options.key.detachSign(releasePath, join(dir, 'dists', suite, 'Release.gpg'));
  if (!(await readFile(join(dir, 'dists', suite, 'InRelease'), 'utf8')).startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
    throw new Error(`InRelease of ${dir} is not a cleartext-signed message`);
  }
}
