// Benchmark (a): building N small packages, half-repo's buildDeb against `dpkg-deb -b`, on the
// same input in one run: N synthetic package trees (bench/lib/synthetic-packages.ts), given to
// dpkg-deb as build trees (--root-owner-group, SOURCE_DATE_EPOCH) and to half-repo as the
// equivalent definitions reading the same files. Both write every .deb to a folder. xz (Debian's
// default) and gzip members; dpkg-deb runs BENCH_JOBS at a time (default: the cores, what
// half-repo uses) and one at a time; half-repo builds all at once (as `half-repo build`) and one
// at a time. Repetitions are interleaved; the table shows medians of REPEAT (default 3).
// Before timing, dpkg-deb checks that both builders make the same packages.
//
//   node --import tsx bench/repo-build.ts [count…]      (default 200 2000)
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildWithDpkgDeb, buildWithHalf, debFileNameOf } from './lib/builders.js';
import type { MemberCompression } from './lib/builders.js';
import { assertEquivalentDebs } from './lib/equivalence.js';
import { machineHeader } from './lib/machine.js';
import { runContenders } from './lib/contender.js';
import type { Contender } from './lib/contender.js';
import { benchOptions } from './lib/options.js';
import { writeSyntheticPackages } from './lib/synthetic-packages.js';
import type { SyntheticPackage } from './lib/synthetic-packages.js';
import { formatTable } from './lib/table.js';
import { freshDir, withWorkdir } from './lib/workdir.js';

const EPOCH = 1_767_225_600; // 2026-01-01T00:00:00Z, SOURCE_DATE_EPOCH of every build
const options = benchOptions(process.argv.slice(2), [200, 2000]);

interface Builder {
  readonly label: string;
  build(packages: readonly SyntheticPackage[], out: string, compression: MemberCompression): Promise<unknown>;
}

const HALF_ALL = 'half-repo (all at once)';
const builders: readonly Builder[] = [
  { label: HALF_ALL, build: (p, out, c) => buildWithHalf(p, out, { compression: c, epoch: EPOCH, concurrent: true }) },
  { label: 'half-repo (one at a time)', build: (p, out, c) => buildWithHalf(p, out, { compression: c, epoch: EPOCH, concurrent: false }) },
  { label: `dpkg-deb -b (${options.jobs} in parallel)`, build: (p, out, c) => buildWithDpkgDeb(p, out, c, EPOCH, options.jobs) },
  { label: 'dpkg-deb -b (one at a time)', build: (p, out, c) => buildWithDpkgDeb(p, out, c, EPOCH, 1) },
];

async function expectAllBuilt(out: string, packages: readonly SyntheticPackage[], who: string): Promise<void> {
  const names = new Set(await readdir(out));
  const missing = packages.filter((p) => !names.has(debFileNameOf(p)));
  if (missing.length > 0 || names.size !== packages.length) throw new Error(`${who} made ${names.size} files for ${packages.length} packages (missing: ${missing.slice(0, 3).map(debFileNameOf).join(', ')})`);
}

async function checkEquivalence(packages: readonly SyntheticPackage[], dir: string, compression: MemberCompression): Promise<void> {
  const sample = [packages[0], packages[packages.length >> 1], packages[packages.length - 1]].filter((p): p is SyntheticPackage => p !== undefined);
  const half = await freshDir(join(dir, 'check-half'));
  const dpkg = await freshDir(join(dir, 'check-dpkg'));
  await buildWithHalf(sample, half, { compression, epoch: EPOCH, concurrent: true });
  await buildWithDpkgDeb(sample, dpkg, compression, EPOCH, options.jobs);
  for (const p of sample) await assertEquivalentDebs(join(dpkg, debFileNameOf(p)), join(half, debFileNameOf(p)));
}

async function main(): Promise<void> {
  console.log(await machineHeader('Packaging (a): building N small packages, half-repo vs dpkg-deb -b', [
    { name: 'dpkg-deb', command: 'dpkg-deb', args: ['--version'] },
    { name: 'xz', command: 'xz', args: ['--version'] },
  ]));
  console.log(`repetitions: ${options.repeat} (REPEAT), dpkg-deb parallelism: ${options.jobs} (BENCH_JOBS)\n`);
  await withWorkdir('half-bench-build', async (dir) => {
    const all = await writeSyntheticPackages(dir.at('src'), Math.max(...options.sizes));
    for (const compression of ['xz', 'gzip'] as const) {
      await checkEquivalence(all, dir.path, compression);
      // Warm-up (untimed): page cache, JIT, the tools' own start-up files.
      for (const b of builders) await b.build(all.slice(0, 10), await freshDir(dir.at('out')), compression);
      for (const n of options.sizes) {
        const packages = all.slice(0, n);
        const out = dir.at('out');
        const contenders: Contender[] = builders.map((b) => ({
          label: b.label,
          prepare: async () => void (await freshDir(out)),
          run: () => b.build(packages, out, compression),
          check: () => expectAllBuilt(out, packages, b.label),
        }));
        const rows = await runContenders(contenders, options.repeat);
        console.log(formatTable(`${n} packages, ${compression} members`, rows, HALF_ALL));
        console.log('');
      }
    }
  });
}

await main();
