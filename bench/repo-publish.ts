// Benchmark (c): publishing a one-package change into a repository of N packages (default
// 10,000), half-repo against apt-ftparchive (which regenerates everything: without and with
// its --db cache) and reprepro includedeb of the one package, in one run on the same files.
// Setup (timed once and shown, but not the point): N packages built once, each tool's
// repository filled with them. Then each repetition adds a new version of one package to
// every repository (a different version per repetition); every result is checked with gpgv
// and xz (the new version listed, N names in total) after the timed step.
//
//   node --import tsx bench/repo-publish.ts [repository size…]      (default 10000)
import { join } from 'node:path';
import { publishWithAptFtparchive, SUITE } from './lib/apt-ftparchive.js';
import { checkSuite } from './lib/check-suite.js';
import { runContenders } from './lib/contender.js';
import type { Contender } from './lib/contender.js';
import { halfRepo } from './lib/half-publish.js';
import { machineHeader } from './lib/machine.js';
import { benchOptions } from './lib/options.js';
import { linkIntoPool, prebuild } from './lib/prebuilt.js';
import { makeReprepro } from './lib/reprepro.js';
import { makeBenchKey } from './lib/signing-key.js';
import type { BenchKey } from './lib/signing-key.js';
import { inlineSyntheticDefinition, packageName } from './lib/synthetic-packages.js';
import { formatTable } from './lib/table.js';
import { withWorkdir } from './lib/workdir.js';
import type { Workdir } from './lib/workdir.js';

const EPOCH = 1_767_225_600;
const options = benchOptions(process.argv.slice(2), [10_000]);
const HALF = 'half-repo import of the new .deb';

async function benchSize(dir: Workdir, key: BenchKey, n: number): Promise<void> {
  const root = dir.at(`repo-${n}`);
  const at = (name: string) => join(root, name);
  const target = Math.floor(n / 2);
  const input = await prebuild(Array.from({ length: n }, (_, i) => inlineSyntheticDefinition(i)), at('debs'), EPOCH);
  // Repetition r adds version +b(2r+1) by import (and to the other tools) and +b(2r+2) as a
  // build: each is the newest when it is added, so retention (3 versions) always lists it.
  const versions = Array.from({ length: 2 * options.repeat }, (_, v) => `1.0-1+b${v + 1}`);
  const updates = await prebuild(versions.map((v) => inlineSyntheticDefinition(target, v)), at('updates'), EPOCH);
  const half = halfRepo(at('half'), at('half-cache'), key);
  const archive = at('archive');
  const db = at('apt-ftparchive.db');
  const reprepro = await makeReprepro(at('reprepro'), key);
  await linkIntoPool(archive, input.files);
  const aptDist = join(archive, 'dists', SUITE);
  const all = { names: n };

  const initial = await runContenders([
    { label: 'half-repo publish (built .debs)', run: () => half.publishBuilt(input.artifacts), check: () => checkSuite('half-repo', half.dist, key, all) },
    { label: 'apt-ftparchive --db + gpg, with Contents', run: () => publishWithAptFtparchive({ root: archive, key, contents: true, db }), check: () => checkSuite('apt-ftparchive', aptDist, key, all) },
    { label: 'reprepro includedeb (SignWith)', run: () => reprepro.includeDebs(input.files), check: () => checkSuite('reprepro', reprepro.dist, key, all) },
  ], 1);
  console.log(formatTable(`setup: first publish of ${n} packages into empty repositories`, initial, 'half-repo publish (built .debs)'));
  console.log('');

  const expect = (v: number) => ({ names: n, includes: { name: packageName(target), version: versions[v] as string } });
  const update = (rep: number) => updates.files[2 * rep] as string;
  const contenders: Contender[] = [
    { label: HALF, run: (rep) => half.publishFiles([update(rep)]), check: (rep) => checkSuite(HALF, half.dist, key, expect(2 * rep)) },
    {
      label: 'half-repo publish of a new build',
      // As `half-repo build` adds what it built: the artifact in memory, no .deb to read.
      run: (rep) => half.publishBuilt([updates.artifacts[2 * rep + 1] as (typeof updates.artifacts)[number]]),
      check: (rep) => checkSuite('half-repo build', half.dist, key, expect(2 * rep + 1)),
    },
    {
      label: 'apt-ftparchive + gpg, with Contents (no cache)',
      prepare: async (rep) => void (await linkIntoPool(archive, [update(rep)])),
      run: () => publishWithAptFtparchive({ root: archive, key, contents: true }),
      check: (rep) => checkSuite('apt-ftparchive', aptDist, key, expect(2 * rep)),
    },
    { label: 'apt-ftparchive --db + gpg, with Contents', run: () => publishWithAptFtparchive({ root: archive, key, contents: true, db }), check: (rep) => checkSuite('apt-ftparchive --db', aptDist, key, expect(2 * rep)) },
    { label: 'apt-ftparchive --db + gpg', run: () => publishWithAptFtparchive({ root: archive, key, contents: false, db }), check: (rep) => checkSuite('apt-ftparchive --db', aptDist, key, expect(2 * rep)) },
    { label: 'reprepro includedeb (SignWith)', run: (rep) => reprepro.includeDebs([update(rep)]), check: (rep) => checkSuite('reprepro', reprepro.dist, key, expect(2 * rep)) },
  ];
  const rows = await runContenders(contenders, options.repeat);
  console.log(formatTable(`add one new version to a ${n}-package repository`, rows, HALF));
  console.log('');
}

async function main(): Promise<void> {
  console.log(await machineHeader('Packaging (c): publishing a one-package change into a large repository', [
    { name: 'apt-ftparchive', command: 'apt-ftparchive', args: ['--version'] },
    { name: 'reprepro', command: 'reprepro', args: ['--version'] },
    { name: 'gpg', command: 'gpg', args: ['--version'] },
    { name: 'xz', command: 'xz', args: ['--version'] },
  ]));
  console.log(`repetitions: ${options.repeat} (REPEAT)`);
  console.log('signing: the same throwaway Ed25519 key for all; reprepro signs itself (SignWith), apt-ftparchive output is signed by gpg --clearsign and --detach-sign\n');
  await withWorkdir('half-bench-publish', async (dir) => {
    const key = await makeBenchKey(dir.at('key'), new Date());
    try {
      for (const n of options.sizes) await benchSize(dir, key, n);
    } finally {
      await key.close();
    }
  });
}

await main();
