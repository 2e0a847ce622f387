// The two builders of benchmark (a), each turning the synthetic packages into .deb files in a
// folder: `dpkg-deb -b` (the reference: --root-owner-group, SOURCE_DATE_EPOCH, -Z) run
// `jobs` at a time, and half-repo's buildDeb (all packages at once, as `half-repo build` does, or
// one after the other), writing each .deb as dpkg-deb does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDeb } from '../../repo-tool/src/deb/build-deb.js';
import type { Compression } from '../../repo-tool/src/format/compression.js';
import type { DebArtifact } from '../../repo-tool/src/model/artifact.js';
import { runPool, runTool } from './run-tool.js';
import type { SyntheticPackage } from './synthetic-packages.js';

export type MemberCompression = Exclude<Compression, 'none'>;

export function debFileNameOf(p: SyntheticPackage): string {
  return `${p.name}_${p.version}_amd64.deb`;
}

/** `dpkg-deb --root-owner-group -Z<c> -b TREE OUT/name.deb` for every package, `jobs` at a time. */
export async function buildWithDpkgDeb(
  packages: readonly SyntheticPackage[],
  out: string,
  compression: MemberCompression,
  epoch: number,
  jobs: number,
  /** Folder of each .deb below `out` (default: `out` itself); must exist. */
  subdir: (p: SyntheticPackage) => string = () => '',
): Promise<void> {
  const env = { SOURCE_DATE_EPOCH: String(epoch) };
  const tasks = packages.map((p) => () => runTool('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '-b', p.tree, join(out, subdir(p), debFileNameOf(p))], { env }));
  await runPool(tasks, jobs);
}

export interface HalfBuildOptions {
  readonly compression: MemberCompression;
  readonly epoch: number;
  /** All packages at once (as the CLI builds), or one after the other. */
  readonly concurrent: boolean;
}

/** buildDeb for every package, each .deb written to `out`; returns the artifacts. */
export async function buildWithHalf(packages: readonly SyntheticPackage[], out: string, options: HalfBuildOptions): Promise<DebArtifact[]> {
  const one = async (p: SyntheticPackage): Promise<DebArtifact> => {
    // `root` only matters for relative paths: the definitions name their files absolutely.
    const deb = await buildDeb(p.definition, { root: p.tree, mtime: options.epoch, compression: options.compression });
    await writeFile(join(out, deb.fileName), deb.bytes);
    return deb;
  };
  if (options.concurrent) return Promise.all(packages.map(one));
  const built: DebArtifact[] = [];
  for (const p of packages) built.push(await one(p));
  return built;
}
