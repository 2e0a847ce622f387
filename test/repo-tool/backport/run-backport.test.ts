// The real keepalived backport, end to end: planned from the machine's mirror, built in a clean
// Debian 12 chroot (mmdebstrap --variant=buildd), cached under the backports cache (the first
// run takes minutes, later runs reuse it), then checked with Debian's own tools: dpkg-deb reads
// the version and the HALF examples, dpkg-source -x verifies the source package's checksums,
// and apt installs the .deb in a fresh bookworm root where keepalived runs and accepts the
// example it ships (in a network namespace holding the example's interfaces). Built again from
// an empty cache (the builder image reused), as for a repository that publishes the version, it
// makes the same bytes, which runBackport checks against the pool.
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackportPlan, BackportResult } from '../../../repo-tool/src/backport/backport-plan.js';
import { defaultBackportCacheDir } from '../../../repo-tool/src/backport/backport-cache.js';
import { builderImagePath } from '../../../repo-tool/src/backport/builder-image.js';
import { EXAMPLES_DIR, HALF_EXAMPLE_FILES } from '../../../repo-tool/src/backport/half-examples.js';
import { planBackport } from '../../../repo-tool/src/backport/plan-backport.js';
import { runBackport } from '../../../repo-tool/src/backport/run-backport.js';
import { publishedSource } from '../../../repo-tool/src/build/backports.js';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { debianRoot, type DebianRoot } from '../../helpers/chroot.js';
import { createNamespaces, type NamespaceSet } from '../../helpers/netns.js';
import { requireTool, run } from '../../helpers/tools.js';

const EPOCH = 1_767_225_600; // fixed, so the cached build is found again on every run
const progress = { info: (line: string) => console.info(line), warn: (line: string) => console.warn(line) };
let plan: BackportPlan;
let result: BackportResult;
let dir: string;

beforeAll(async () => {
  for (const tool of ['mmdebstrap', 'unshare', 'flock', 'tar', 'dpkg-deb', 'dpkg-source', 'dpkg-parsechangelog']) requireTool(tool);
  dir = await mkdtemp(join(tmpdir(), 'half-backport-e2e-'));
  const decision = await planBackport({ package: 'keepalived', targetSuite: 'bookworm', sourceDateEpoch: EPOCH, progress });
  if (decision.kind !== 'backport') throw new Error(`expected a keepalived backport for bookworm: ${decision.reason}`);
  plan = decision;
  const started = Date.now();
  result = await runBackport(plan, { progress });
  console.info(`keepalived backport: ${result.cached ? 'cached' : 'built'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 3_600_000);
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the built keepalived backport', () => {
  it('is one keepalived .deb carrying the backport version', async () => {
    expect(result.version).toBe(plan.version);
    expect(result.binaries.map((b) => basename(b))).toEqual([`keepalived_${plan.version.replace(/^\d+:/, '')}_${plan.architecture}.deb`]);
    const fields = (await run('dpkg-deb', ['--field', result.binaries[0]!, 'Package', 'Version', 'Architecture'], { check: true })).stdout;
    expect(fields).toBe(`Package: keepalived\nVersion: ${plan.version}\nArchitecture: ${plan.architecture}\n`);
  });

  it('ships the HALF examples, byte for byte, in the examples directory', async () => {
    const listing = (await run('dpkg-deb', ['--contents', result.binaries[0]!], { check: true })).stdout;
    for (const file of HALF_EXAMPLE_FILES) {
      expect(listing).toContain(` .${EXAMPLES_DIR}/${file.name}\n`);
      const shipped = await run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - "$2"', 'sh', result.binaries[0]!, `.${EXAMPLES_DIR}/${file.name}`], { check: true });
      expect(shipped.stdout).toBe(file.text);
    }
  });

  it('comes with its source package, which dpkg-source -x verifies and unpacks as the backport', async () => {
    const names = result.source.files.map((f) => basename(f));
    expect(names.some((n) => /\.orig\.tar\.\w+$/.test(n))).toBe(true);
    expect(names.some((n) => n.endsWith('.debian.tar.xz'))).toBe(true);
    const orig = plan.source.files.find((f) => /\.orig\.tar\./.test(f.name))!;
    expect((await run('sha256sum', [result.source.files.find((f) => f.endsWith(orig.name))!], { check: true })).stdout.split(' ')[0]).toBe(orig.sha256);

    const tree = join(dir, 'unpacked');
    const unpacked = await run('dpkg-source', ['-x', result.source.dsc, tree]);
    expect(unpacked.exitCode, unpacked.stderr).toBe(0);
    expect((await run('dpkg-parsechangelog', ['-l', join(tree, 'debian/changelog'), '-S', 'Version'], { check: true })).stdout.trim()).toBe(plan.version);
    expect(await readFile(join(tree, 'debian/keepalived.examples'), 'utf8')).toContain('debian/half/keepalived.conf.HALF\n');
  });

  it('is rejected by dpkg-source -x once a byte of the source changes (the check is real)', async () => {
    const copy = join(dir, 'tampered');
    await run('mkdir', ['-p', copy], { check: true });
    for (const path of [result.source.dsc, ...result.source.files]) await copyFile(path, join(copy, basename(path)));
    const debianTar = join(copy, basename(result.source.files.find((f) => f.endsWith('.debian.tar.xz'))!));
    const bytes = await readFile(debianTar);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    await writeFile(debianTar, bytes);
    const tampered = await run('dpkg-source', ['-x', join(copy, basename(result.source.dsc)), join(dir, 'tampered-tree')]);
    expect(tampered.exitCode).not.toBe(0);
    expect(tampered.stderr).toMatch(/checksum|size/i);
  });

  it('is found in the cache on the next run, with the same files', async () => {
    const started = Date.now();
    const again = await runBackport(plan, {});
    console.info(`keepalived backport: cached run took ${Date.now() - started} ms`);
    expect(again.cached).toBe(true);
    expect({ ...again, cached: false }).toEqual({ ...result, cached: false });
  });
});

describe('a published version whose cache entry is gone', () => {
  it('is built again from an empty cache into the same bytes, which the pool already holds, and cached', async () => {
    const storage = new LocalStorage(join(dir, 'public'));
    for (const path of [...result.binaries, result.source.dsc, ...result.source.files]) {
      await storage.writeFile(`pool/main/k/keepalived/${basename(path)}`, await readFile(path));
    }
    const cacheDir = join(dir, 'fresh-cache');
    await mkdir(join(cacheDir, 'images'), { recursive: true });
    // the builder image is an input of the key, not what is tested here: reuse it, not mmdebstrap again
    await copyFile(builderImagePath(defaultBackportCacheDir(), plan.imageKey), builderImagePath(cacheDir, plan.imageKey));
    const started = Date.now();
    const rebuilt = await runBackport(plan, { cacheDir, progress, published: publishedSource(storage) });
    console.info(`keepalived backport: rebuilt from an empty cache in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(rebuilt.cached).toBe(false);
    const bytes = async (paths: readonly string[]): Promise<Record<string, string>> =>
      Object.fromEntries(await Promise.all(paths.map(async (p) => [basename(p), createHash('sha256').update(await readFile(p)).digest('hex')] as const)));
    const pool = (r: BackportResult): string[] => [...r.binaries, r.source.dsc, ...r.source.files];
    expect(await bytes(pool(rebuilt))).toEqual(await bytes(pool(result)));
    expect((await runBackport(plan, { cacheDir, published: publishedSource(storage) })).cached).toBe(true);
    await rm(cacheDir, { recursive: true, force: true });
  }, 1_800_000);
});

describe('building without root', () => {
  it('is refused with a ConfigError that says why and what to do, before anything is built', async () => {
    requireTool('setpriv');
    const cacheDir = join(dir, 'nobody-cache');
    await mkdir(cacheDir);
    await chmod(dir, 0o755);
    await chmod(cacheDir, 0o777);
    const module = pathToFileURL(resolve('repo-tool/src/backport/run-backport.ts')).href;
    const script = join(dir, 'as-nobody.mts'); // .mts: an ES module wherever it lies
    await writeFile(script, [
      `import { runBackport } from ${JSON.stringify(module)};`,
      'const plan = JSON.parse(process.env.PLAN ?? "{}");',
      'runBackport(plan, { cacheDir: process.env.CACHE }).then(',
      '  () => console.log(JSON.stringify({ built: true })),',
      '  (e) => console.log(JSON.stringify({ name: e.name, exitCode: e.exitCode, message: e.message, hint: e.hint })));',
    ].join('\n'));
    await chmod(script, 0o644);
    const child = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', '--import', 'tsx', script], {
      env: { HOME: '/tmp', PLAN: JSON.stringify(plan), CACHE: cacheDir },
    });
    expect(child.exitCode, child.stderr).toBe(0);
    const outcome = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(outcome).toMatchObject({ name: 'ConfigError', exitCode: 9 });
    expect(outcome['message']).toMatch(/needs root .*no cached build exists \(not built yet\)/);
    expect(outcome['hint']).toMatch(/as root/);
    expect(await readdir(cacheDir)).toEqual([]);
  });
});

describe('the backport installed on Debian 12', () => {
  let root: DebianRoot;
  let net: NamespaceSet;
  beforeAll(async () => {
    requireTool('ip');
    root = await debianRoot({ suite: 'bookworm' });
    net = createNamespaces('kabackport');
    await net.addNs('fw');
    for (const link of ['lan0', 'wan0']) await net.veth('fw', link, 'fw', `${link}p`);
  }, 600_000);
  afterAll(async () => {
    await net?.cleanup();
    await root?.cleanup();
  });

  it('installs with apt (dependencies from the mirror), runs, and accepts its own HALF example', async () => {
    const deb = `/tmp/${basename(result.binaries[0]!)}`;
    await root.writeFile(deb, await readFile(result.binaries[0]!));
    await root.run(['apt-get', 'update', '-q'], { check: true });
    const install = await root.run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', deb]);
    expect(install.exitCode, install.stdout + install.stderr).toBe(0);
    expect((await root.run(['dpkg-query', '-W', '-f', '${Version}', 'keepalived'], { check: true })).stdout).toBe(plan.version);

    const version = await root.run(['keepalived', '--version']);
    const upstream = plan.source.version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
    expect(version.stdout + version.stderr).toContain(`Keepalived v${upstream}`);

    const conf = `${EXAMPLES_DIR}/keepalived.conf.HALF`;
    const check = await net.exec('fw', ['chroot', root.dir, 'keepalived', '--config-test', '--use-file', conf]);
    expect(check.stdout + check.stderr).not.toMatch(/Unknown keyword|WARNING/i);
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  });
});
