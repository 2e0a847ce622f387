// After each timed publish (untimed): the suite must be what apt would accept from every tool,
// so that no tool wins by doing less: InRelease and Release.gpg verify with gpgv, and
// binary-amd64/Packages.xz (decompressed by xz) lists the expected packages.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMPONENT } from './apt-ftparchive.js';
import { runTool } from './run-tool.js';
import type { BenchKey } from './signing-key.js';

/** Names and versions listed in dists/<suite>/<component>/binary-amd64/Packages.xz. */
export async function listedPackages(dist: string): Promise<Map<string, string[]>> {
  const { stdout } = await runTool('xz', ['-dc', join(dist, COMPONENT, 'binary-amd64', 'Packages.xz')]);
  const listed = new Map<string, string[]>();
  for (const stanza of stdout.split('\n\n')) {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1];
    const version = /^Version: (.+)$/m.exec(stanza)?.[1];
    if (name !== undefined && version !== undefined) listed.set(name, [...(listed.get(name) ?? []), version]);
  }
  return listed;
}

export interface SuiteExpectation {
  /** Number of distinct package names listed. */
  readonly names: number;
  /** A package that must be listed with this version. */
  readonly includes?: { readonly name: string; readonly version: string };
}

/** Throws, naming the tool, when the suite is unsigned, badly signed or lists the wrong packages. */
export async function checkSuite(tool: string, dist: string, key: BenchKey, expected: SuiteExpectation): Promise<void> {
  try {
    await runTool('gpgv', ['--keyring', key.keyring, join(dist, 'InRelease')]);
    await runTool('gpgv', ['--keyring', key.keyring, join(dist, 'Release.gpg'), join(dist, 'Release')]);
    const release = await readFile(join(dist, 'Release'), 'utf8');
    if (!release.includes(`${COMPONENT}/binary-amd64/Packages.xz`)) throw new Error('Release does not list Packages.xz');
    const listed = await listedPackages(dist);
    if (listed.size !== expected.names) throw new Error(`lists ${listed.size} packages, not ${expected.names}`);
    const want = expected.includes;
    if (want !== undefined && !(listed.get(want.name) ?? []).includes(want.version)) throw new Error(`does not list ${want.name} ${want.version}`);
  } catch (error) {
    throw new Error(`${tool}: the published suite ${dist} is not right: ${(error as Error).message}`, { cause: error });
  }
}
