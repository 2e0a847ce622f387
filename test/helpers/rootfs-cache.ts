// Cached Debian root filesystems made by mmdebstrap(1), shared by every test file.
//
// Under ${XDG_CACHE_HOME:-$HOME/.cache}/half/chroots/ each rootfs is kept twice:
//   <key>.tar    mmdebstrap's output, the canonical cache entry;
//   <key>.root/  the tarball unpacked once, the read-only lower layer of per-test overlays.
// <key> is `<suite>-<variant>-<hash>`, the hash covering suite, variant, packages, mirror,
// architecture and ROOTFS_FORMAT (bump it when the way a rootfs is made changes). Builds run
// under a flock(1) lock per key, write temporary names and rename them last, so parallel test
// files wait for one build and never see half a rootfs.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { halfCacheDir } from './cache-dir.js';
import { withFileLock } from './file-lock.js';
import { requireTool, run } from './tools.js';

export const ROOTFS_FORMAT = 1;

export type DebianSuite = 'bookworm' | 'trixie';
export type RootfsVariant = 'apt' | 'essential' | 'minbase';

export interface RootfsSpec {
  readonly suite: DebianSuite;
  readonly variant: RootfsVariant;
  /** Extra packages (mmdebstrap --include), in any order. */
  readonly packages: readonly string[];
  readonly mirror: string;
  readonly architecture: string;
}

export interface CachedRootfs {
  readonly key: string;
  readonly tarPath: string;
  /** The unpacked tree: never write to it (it is every overlay's lower layer). */
  readonly treePath: string;
  /** True when this call had to run mmdebstrap. */
  readonly built: boolean;
}

export function rootfsKey(spec: RootfsSpec): string {
  const packages = [...new Set(spec.packages)].sort();
  const inputs = JSON.stringify({ format: ROOTFS_FORMAT, ...spec, packages });
  return `${spec.suite}-${spec.variant}-${createHash('sha256').update(inputs).digest('hex').slice(0, 16)}`;
}

export async function cachedRootfs(spec: RootfsSpec): Promise<CachedRootfs> {
  const dir = await halfCacheDir('chroots');
  const key = rootfsKey(spec);
  const tarPath = join(dir, `${key}.tar`);
  const treePath = join(dir, `${key}.root`);
  if ((await exists(treePath)) && (await exists(tarPath))) return { key, tarPath, treePath, built: false };
  return withFileLock(join(dir, `${key}.lock`), async () => {
    let built = false;
    await removeLeftovers(dir, key);
    if (!(await exists(tarPath))) {
      await buildTarball(spec, tarPath);
      built = true;
    }
    if (!(await exists(treePath))) await unpack(tarPath, treePath);
    return { key, tarPath, treePath, built };
  });
}

async function buildTarball(spec: RootfsSpec, tarPath: string): Promise<void> {
  requireTool('mmdebstrap');
  const temp = `${tarPath}.tmp-${process.pid}.tar`;
  const started = Date.now();
  const include = [...new Set(spec.packages)].sort();
  await run(
    'mmdebstrap',
    [
      '--mode=root',
      '--format=tar',
      `--variant=${spec.variant}`,
      `--architectures=${spec.architecture}`,
      ...(include.length > 0 ? [`--include=${include.join(',')}`] : []),
      '--quiet',
      spec.suite,
      temp,
      spec.mirror,
    ],
    { check: true, env: { TMPDIR: process.env['TMPDIR'] ?? '/tmp' } },
  );
  await rename(temp, tarPath);
  const manifest = { ...spec, packages: include, format: ROOTFS_FORMAT, builtAt: new Date().toISOString() };
  await writeFile(`${tarPath.slice(0, -'.tar'.length)}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stderr.write(`half test rootfs: built ${tarPath} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

async function unpack(tarPath: string, treePath: string): Promise<void> {
  const temp = `${treePath}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp);
  await run('tar', ['--extract', '--file', tarPath, '--directory', temp, '--numeric-owner', '--preserve-permissions'], { check: true });
  await rename(temp, treePath);
}

/** Temporary files of this key from a build that died (the lock proves no build is running). */
async function removeLeftovers(dir: string, key: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith(`${key}.tar.tmp-`) || name.startsWith(`${key}.root.tmp-`)) {
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
