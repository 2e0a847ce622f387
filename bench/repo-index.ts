// Benchmark (b): indexing and signing N packages, half-repo against apt-ftparchive + gpg and
// reprepro, on the same .deb files in one run (built once beforehand; bench/lib/prebuilt.ts).
// Every tool starts from an empty repository each repetition and ends with a signed suite
// (InRelease + Release.gpg, Packages plain/.gz/.xz), checked with gpgv and xz after the
// timed step. Also end to end from the package trees: half-repo build + publish against
// dpkg-deb -b (BENCH_JOBS in parallel) + apt-ftparchive + gpg.
//
//   node --import tsx bench/repo-index.ts [count…]      (default 200 2000)
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { copyIntoFlatPool, publishWithAptFtparchive } from './lib/apt-ftparchive.js';
import { buildWithDpkgDeb, buildWithHalf } from './lib/builders.js';
import { checkSuite } from './lib/check-suite.js';
import { runContenders } from './lib/contender.js';
import type { Contender } from './lib/contender.js';
import { halfRepo } from './lib/half-publish.js';
import { machineHeader } from './lib/machine.js';
import { benchOptions } from './lib/options.js';
import { linkIntoPool, poolDirOf, prebuild } from './lib/prebuilt.js';
import { makeReprepro } from './lib/reprepro.js';
import { makeBenchKey } from './lib/signing-key.js';
import type { BenchKey } from './lib/signing-key.js';
import { writeSyntheticPackages } from './lib/synthetic-packages.js';
import type { SyntheticPackage } from './lib/synthetic-packages.js';
import { formatTable } from './lib/table.js';
import { freshDir, withWorkdir } from './lib/workdir.js';
import type { Workdir } from './lib/workdir.js';

const EPOCH = 1_767_225_600;
const options = benchOptions(process.argv.slice(2), [200, 2000]);
const HALF = 'half-repo publish (built .debs)';
let rounds = 0;

async function indexing(dir: Workdir, key: BenchKey, packages: readonly SyntheticPackage[]): Promise<Contender[]> {
  const n = packages.length;
  const tag = `${n}-${++rounds}`;
  const input = await prebuild(packages.map((p) => p.definition), dir.at(`debs-${tag}`), EPOCH);
  const half = halfRepo(dir.at('half'), dir.at('half-cache'), key);
  const archive = dir.at(`archive-${tag}`);
  await linkIntoPool(archive, input.files);
  const copied = dir.at(`archive-copy-${tag}`);
  const reprepro = await makeReprepro(dir.at('reprepro'), key);
  const resetHalf = async () => {
    await freshDir(half.out);
    await freshDir(dir.at('half-cache'));
  };
  const expect = { names: n };
  return [
    { label: HALF, prepare: resetHalf, run: () => half.publishBuilt(input.artifacts), check: () => checkSuite(HALF, half.dist, key, expect) },
    { label: 'half-repo import (reads each .deb)', prepare: resetHalf, run: () => half.publishFiles(input.files), check: () => checkSuite('half-repo import', half.dist, key, expect) },
    { label: 'apt-ftparchive + gpg', run: () => publishWithAptFtparchive({ root: archive, key, contents: false }), check: () => checkSuite('apt-ftparchive', join(archive, 'dists', 'bench'), key, expect) },
    { label: 'apt-ftparchive + gpg, with Contents', run: () => publishWithAptFtparchive({ root: archive, key, contents: true }), check: () => checkSuite('apt-ftparchive', join(archive, 'dists', 'bench'), key, expect) },
    {
      // Like half-repo and reprepro, this one also puts the files into the pool (cp, flat).
      label: 'cp to pool + apt-ftparchive + gpg, with Contents',
      prepare: async () => void (await rm(copied, { recursive: true, force: true })),
      run: async () => {
        await copyIntoFlatPool(copied, input.files);
        await publishWithAptFtparchive({ root: copied, key, contents: true });
      },
      check: () => checkSuite('cp + apt-ftparchive', join(copied, 'dists', 'bench'), key, expect),
    },
    { label: 'reprepro includedeb (SignWith)', prepare: () => reprepro.reset(), run: () => reprepro.includeDebs(input.files), check: () => checkSuite('reprepro', reprepro.dist, key, expect) },
  ];
}

async function endToEnd(dir: Workdir, key: BenchKey, packages: readonly SyntheticPackage[]): Promise<Contender[]> {
  const half = halfRepo(dir.at('half'), dir.at('half-cache'), key);
  const archive = dir.at('archive-e2e');
  const expect = { names: packages.length };
  const label = 'half-repo build + publish';
  return [
    {
      label,
      prepare: async () => {
        await freshDir(half.out);
        await freshDir(dir.at('half-cache'));
        await freshDir(dir.at('half-debs'));
      },
      // The CLI keeps the artifacts in memory and writes them to the pool only.
      run: async () => half.publishBuilt(await buildWithHalf(packages, dir.at('half-debs'), { compression: 'xz', epoch: EPOCH, concurrent: true })),
      check: () => checkSuite(label, half.dist, key, expect),
    },
    {
      label: `dpkg-deb -b (${options.jobs} in parallel) + apt-ftparchive + gpg`,
      prepare: async () => {
        await rm(archive, { recursive: true, force: true });
        for (const p of packages) await mkdir(join(archive, poolDirOf(`${p.name}_`)), { recursive: true });
      },
      run: async () => {
        await buildWithDpkgDeb(packages, archive, 'xz', EPOCH, options.jobs, (p) => poolDirOf(`${p.name}_`));
        await publishWithAptFtparchive({ root: archive, key, contents: false });
      },
      check: () => checkSuite('dpkg-deb + apt-ftparchive', join(archive, 'dists', 'bench'), key, expect),
    },
  ];
}

async function main(): Promise<void> {
  console.log(await machineHeader('Packaging (b): indexing and signing N packages, half-repo vs apt-ftparchive + gpg and reprepro', [
    { name: 'apt-ftparchive', command: 'apt-ftparchive', args: ['--version'] },
    { name: 'reprepro', command: 'reprepro', args: ['--version'] },
    { name: 'gpg', command: 'gpg', args: ['--version'] },
    { name: 'dpkg-deb', command: 'dpkg-deb', args: ['--version'] },
    { name: 'xz', command: 'xz', args: ['--version'] },
  ]));
  console.log(`repetitions: ${options.repeat} (REPEAT), dpkg-deb parallelism: ${options.jobs} (BENCH_JOBS)`);
  console.log('signing: the same throwaway Ed25519 key for all; reprepro signs itself (SignWith), apt-ftparchive output is signed by gpg --clearsign and --detach-sign\n');
  await withWorkdir('half-bench-index', async (dir) => {
    const key = await makeBenchKey(dir.at('key'), new Date());
    try {
      const all = await writeSyntheticPackages(dir.at('src'), Math.max(...options.sizes));
      // Warm-up (untimed): JIT, page cache, gpg-agent.
      await runContenders(await indexing(dir, key, all.slice(0, 20)), 1);
      for (const n of options.sizes) {
        const rows = await runContenders(await indexing(dir, key, all.slice(0, n)), options.repeat);
        console.log(formatTable(`index + sign ${n} packages (xz .debs)`, rows, HALF));
        console.log('');
      }
      for (const n of options.sizes) {
        const contenders = await endToEnd(dir, key, all.slice(0, n));
        const rows = await runContenders(contenders, options.repeat);
        console.log(formatTable(`end to end: build + index + sign ${n} packages (xz)`, rows, contenders[0]?.label ?? ''));
        console.log('');
      }
    } finally {
      await key.close();
    }
  });
}

await main();
