// The apt-ftparchive reference: what a shell script around Debian's own tools does to publish
// a flat pool as one suite: `apt-ftparchive packages` (optionally `contents`), gzip -9n and
// xz -6 of each index (in parallel), `apt-ftparchive release`, then gpg for InRelease
// (--clearsign) and Release.gpg (--detach-sign --armor) with the run's throwaway key.
// Everything is regenerated each time; with `db`, apt-ftparchive keeps its package cache
// (--db) between runs, its fastest mode for a repeated publish.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchKey } from './signing-key.js';
import { runTool } from './run-tool.js';

export const SUITE = 'bench';
export const COMPONENT = 'half';

export interface AptFtparchiveOptions {
  /** The archive root: holds pool/ (the .debs) and gets dists/. */
  readonly root: string;
  readonly key: BenchKey;
  /** Also write Contents-amd64.gz (half-repo writes it). */
  readonly contents: boolean;
  /** apt-ftparchive's cache database (--db), kept between runs. */
  readonly db?: string;
}

async function compressTo(tool: 'gzip' | 'xz', args: readonly string[], input: string, output: string): Promise<void> {
  await runTool(tool, [...args, '-c', input], { stdoutFile: output });
}

/** `cp -t ROOT/pool/half FILES…`: the .debs put into a flat pool by one process (batches of 2000). */
export async function copyIntoFlatPool(root: string, files: readonly string[]): Promise<void> {
  const pool = join(root, 'pool', COMPONENT);
  await mkdir(pool, { recursive: true });
  for (let i = 0; i < files.length; i += 2000) await runTool('cp', ['-t', pool, ...files.slice(i, i + 2000)]);
}

/** Regenerates dists/bench from pool/ and signs it. Returns the suite folder. */
export async function publishWithAptFtparchive(options: AptFtparchiveOptions): Promise<string> {
  const { root, key } = options;
  const db = options.db === undefined ? [] : ['--db', options.db];
  const dist = join(root, 'dists', SUITE);
  const binary = join(dist, COMPONENT, 'binary-amd64');
  await rm(dist, { recursive: true, force: true });
  await mkdir(binary, { recursive: true });
  const packages = join(binary, 'Packages');
  await runTool('apt-ftparchive', [...db, 'packages', 'pool'], { cwd: root, stdoutFile: packages });
  const compressions = [compressTo('gzip', ['-9n'], packages, `${packages}.gz`), compressTo('xz', ['-6'], packages, `${packages}.xz`)];
  if (options.contents) {
    const contents = join(dist, COMPONENT, 'Contents-amd64');
    await runTool('apt-ftparchive', [...db, 'contents', 'pool'], { cwd: root, stdoutFile: contents });
    compressions.push(runTool('gzip', ['-9n', contents]).then(() => undefined));
  }
  await Promise.all(compressions);
  const release = join(dist, 'Release');
  const set = (field: string, value: string) => ['-o', `APT::FTPArchive::Release::${field}=${value}`];
  await runTool(
    'apt-ftparchive',
    [...set('Origin', 'HALF'), ...set('Label', 'HALF'), ...set('Suite', 'stable'), ...set('Codename', SUITE), ...set('Architectures', 'amd64'), ...set('Components', COMPONENT), 'release', dist],
    { stdoutFile: join(root, 'Release.new') },
  );
  await rename(join(root, 'Release.new'), release);
  const gpg = ['--batch', '--yes', '--quiet', '--homedir', key.gnupgHome, '--local-user', key.fingerprint, '--digest-algo', 'SHA512'];
  await runTool('gpg', [...gpg, '--clearsign', '--output', join(dist, 'InRelease'), release]);
  await runTool('gpg', [...gpg, '--detach-sign', '--armor', '--output', join(dist, 'Release.gpg'), release]);
  return dist;
}
