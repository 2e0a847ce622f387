// The repositories the install test reads, made by the real `half-repo build` (the CLI, a
// development key in a temporary XDG_DATA_HOME): first from a copy of this checkout whose
// package.json says an older version (the release a firewall would upgrade from), then from the
// checkout itself into the same directory, as a maintainer publishes a new release.
//
//   const repo = await halfRepository();
//   const old = await repo.build({ version: `${current}~e2e1` });  // from a copy of the checkout
//   … install the older release …
//   const now = await repo.build();                                 // the checkout itself
//   await repo.cleanup();
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HALF_REPO_BIN, PROJECT_ROOT, isolatedKeyHome } from '../../helpers/half-repo-cli.js';
import { run, type RunResult } from '../../helpers/tools.js';

export interface BuildRun extends RunResult {
  /** package.json version of the tree that was built. */
  readonly version: string;
}

export interface HalfRepository {
  /** The published repository (serve it with serveDirectory). */
  readonly out: string;
  /** The binary keyring `half-repo build` writes beside the repository. */
  readonly keyring: string;
  /** Runs `half-repo build --out OUT`; with `version`, from a copy of the checkout at that version. */
  build(options?: { readonly version?: string }): Promise<BuildRun>;
  cleanup(): Promise<void>;
}

export async function projectVersion(root = PROJECT_ROOT): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Every file of the work tree git would see (tracked and untracked, not ignored), copied;
 *  node_modules linked. The copy's own bin/half-repo.js then builds the copy. */
async function checkoutCopy(version: string): Promise<{ root: string; remove(): Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'half-e2e-checkout-'));
  const root = join(base, 'half');
  const listed = await run('git', ['-C', PROJECT_ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { check: true });
  // node_modules is linked below; git lists it when it is itself a symlink (a second work tree)
  for (const path of listed.stdout.split('\0').filter((p) => p !== '' && p !== 'node_modules')) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await cp(join(PROJECT_ROOT, path), join(root, path), { preserveTimestamps: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree, still in the index
    });
  }
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(root, 'package.json'), `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
  // a release's changelog entry, as half-repo build requires (its newest entry names the version)
  const changelog = await readFile(join(root, 'debian', 'changelog'), 'utf8');
  const entry = `half (${version}) unstable; urgency=medium\n\n  * Release ${version}, made by the install test.\n\n -- HALF Maintainers <half-maintainers@example.org>  Fri, 27 Nov 2026 00:00:00 +0000\n\n`;
  await writeFile(join(root, 'debian', 'changelog'), entry + changelog);
  return { root, remove: () => rm(base, { recursive: true, force: true }) };
}

export async function halfRepository(): Promise<HalfRepository> {
  const out = await mkdtemp(join(tmpdir(), 'half-e2e-install-repo-'));
  const keyHome = await isolatedKeyHome();
  const env = { XDG_DATA_HOME: keyHome, SOURCE_DATE_EPOCH: '1764115200' };
  return {
    out,
    keyring: join(out, 'half-archive-keyring.gpg'),
    async build(options = {}) {
      if (options.version === undefined) {
        const result = await run(process.execPath, [HALF_REPO_BIN, 'build', '--out', out], { cwd: PROJECT_ROOT, env, timeoutMs: 1_800_000 });
        return { ...result, version: await projectVersion() };
      }
      const copy = await checkoutCopy(options.version);
      try {
        const bin = join(copy.root, 'repo-tool', 'bin', 'half-repo.js');
        const result = await run(process.execPath, [bin, 'build', '--out', out], { cwd: copy.root, env, timeoutMs: 1_800_000 });
        return { ...result, version: options.version };
      } finally {
        await copy.remove();
      }
    },
    async cleanup() {
      await rm(out, { recursive: true, force: true });
      await rm(keyHome, { recursive: true, force: true });
    },
  };
}
