// Building HALF's packages for the tests, and looking at them with the real dpkg-deb.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import type { DebArtifact } from '../../../repo-tool/src/model/artifact.js';
import type { PackageDefinition } from '../../../repo-tool/src/model/definition.js';
import { run } from '../../helpers/tools.js';
import { REPO_ROOT, TEST_EPOCH } from './context.js';

export async function build(def: PackageDefinition): Promise<DebArtifact> {
  return buildDeb(def, { root: REPO_ROOT, mtime: TEST_EPOCH });
}

export interface DebFolder {
  readonly dir: string;
  /** Writes the artefact and returns its path. */
  put(artifact: DebArtifact): Promise<string>;
  cleanup(): Promise<void>;
}

export async function debFolder(): Promise<DebFolder> {
  const dir = await mkdtemp(join(tmpdir(), 'half-pkgs-'));
  return {
    dir,
    async put(artifact) {
      const path = join(dir, artifact.fileName);
      await writeFile(path, artifact.bytes);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `dpkg-deb -f FILE FIELD` */
export async function debField(path: string, field: string): Promise<string> {
  return (await run('dpkg-deb', ['-f', path, field], { check: true })).stdout.trim();
}

/** One file of the package, as text: `dpkg-deb --fsys-tarfile` through `tar -xO`. */
export async function debFile(path: string, file: string): Promise<string> {
  const r = await run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO "./$2"', 'sh', path, file.replace(/^\//, '')]);
  if (r.exitCode !== 0) throw new Error(`${file} is not in ${path}: ${r.stderr}`);
  return r.stdout;
}

/** `dpkg-deb --contents`: the paths, without the leading `.`. */
export async function debPaths(path: string): Promise<string[]> {
  const out = (await run('dpkg-deb', ['--contents', path], { check: true })).stdout;
  return out.split('\n').filter((l) => l !== '').map((l) => (l.split(/\s+/).slice(5).join(' ').split(' -> ')[0] as string).replace(/^\./, '').replace(/\/$/, ''));
}

/** `dpkg --compare-versions A OP B`. */
export async function versionSatisfies(version: string, op: string, than: string): Promise<boolean> {
  return (await run('dpkg', ['--compare-versions', version, op, than])).exitCode === 0;
}
