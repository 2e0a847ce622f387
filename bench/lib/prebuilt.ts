// Input of benchmarks (b) and (c): the synthetic packages built once, untimed, with xz members
// (Debian's default; which builder makes them does not matter, repo-build.ts checks that both
// make the same packages), and the same files hard-linked into a Debian pool layout
// (pool/half/<prefix>/<source>/) for apt-ftparchive, which indexes a tree in place.
import { link, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { buildDeb } from '../../repo-tool/src/deb/build-deb.js';
import type { DebArtifact } from '../../repo-tool/src/model/artifact.js';
import type { PackageDefinition } from '../../repo-tool/src/model/definition.js';

export interface Prebuilt {
  readonly artifacts: readonly DebArtifact[];
  /** Absolute paths of the .deb files, in package order. */
  readonly files: readonly string[];
}

/** Builds every definition (its `from` paths absolute) into `out`, a thousand at a time. */
export async function prebuild(definitions: readonly PackageDefinition[], out: string, epoch: number): Promise<Prebuilt> {
  await mkdir(out, { recursive: true });
  const artifacts: DebArtifact[] = [];
  for (let i = 0; i < definitions.length; i += 1000) {
    const batch = definitions.slice(i, i + 1000).map(async (def) => {
      const deb = await buildDeb(def, { root: out, mtime: epoch, compression: 'xz' });
      await writeFile(join(out, deb.fileName), deb.bytes);
      return deb;
    });
    artifacts.push(...(await Promise.all(batch)));
  }
  return { artifacts, files: artifacts.map((a) => join(out, a.fileName)) };
}

/** pool/half/b/bench-pkg-00001 for bench-pkg-00001_1.0-1_amd64.deb (relative to an archive root). */
export function poolDirOf(file: string): string {
  const source = basename(file).split('_')[0] as string;
  return join('pool', 'half', source.slice(0, 1), source);
}

/** Hard-links `files` into root/pool/…; returns the pool paths. */
export async function linkIntoPool(root: string, files: readonly string[]): Promise<string[]> {
  const dirs = new Set(files.map((f) => join(root, poolDirOf(f))));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  return Promise.all(
    files.map(async (f) => {
      const target = join(root, poolDirOf(f), basename(f));
      await link(f, target);
      return target;
    }),
  );
}
