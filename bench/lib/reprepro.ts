// The reprepro reference: a repository with one distribution like half-repo's (Packages plain,
// .gz and .xz, Contents-amd64.gz) that reprepro signs itself (SignWith: the run's throwaway
// key, through gpgme in the run's GNUPGHOME): InRelease and Release.gpg.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMPONENT, SUITE } from './apt-ftparchive.js';
import type { BenchKey } from './signing-key.js';
import { runTool } from './run-tool.js';

export interface Reprepro {
  readonly base: string;
  /** `reprepro includedeb bench FILES…` (one process; reprepro exports and signs once at the end). */
  includeDebs(files: readonly string[]): Promise<void>;
  /** dists/bench. */
  readonly dist: string;
  /** Removes everything but conf/. */
  reset(): Promise<void>;
}

function distributions(key: BenchKey): string {
  return [
    'Origin: HALF',
    'Label: HALF',
    `Codename: ${SUITE}`,
    'Suite: stable',
    'Architectures: amd64',
    `Components: ${COMPONENT}`,
    'Description: HALF bench',
    'DebIndices: Packages Release . .gz .xz',
    'Contents: .gz',
    `SignWith: ${key.fingerprint}`,
    '',
  ].join('\n');
}

/** Command lines stay below ARG_MAX: files go in batches. */
const BATCH = 2000;

export async function makeReprepro(base: string, key: BenchKey): Promise<Reprepro> {
  await mkdir(join(base, 'conf'), { recursive: true });
  await writeFile(join(base, 'conf', 'distributions'), distributions(key));
  const env = { GNUPGHOME: key.gnupgHome };
  return {
    base,
    dist: join(base, 'dists', SUITE),
    async includeDebs(files) {
      for (let i = 0; i < files.length; i += BATCH) {
        await runTool('reprepro', ['--silent', '-b', base, 'includedeb', SUITE, ...files.slice(i, i + BATCH)], { env });
      }
    },
    async reset() {
      for (const sub of ['db', 'dists', 'pool']) await rm(join(base, sub), { recursive: true, force: true });
    },
  };
}
