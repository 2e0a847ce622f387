// Command line of the packaging bench scripts: package counts as arguments, repetitions from
// REPEAT (default 3), concurrency from BENCH_JOBS (default: the machine's cores).
import { availableParallelism } from 'node:os';

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly repeat: number;
  readonly jobs: number;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}="${raw}" must be a whole number, at least 1`);
  return value;
}

export function benchOptions(argv: readonly string[], defaultSizes: readonly number[]): BenchOptions {
  const sizes = argv.map((a) => {
    if (!/^\d+$/.test(a) || Number(a) < 1) throw new Error(`"${a}" is not a package count (usage: node --import tsx bench/X.ts [count…])`);
    return Number(a);
  });
  return {
    sizes: sizes.length > 0 ? sizes : defaultSizes,
    repeat: positive('REPEAT', process.env['REPEAT'], 3),
    jobs: positive('BENCH_JOBS', process.env['BENCH_JOBS'], availableParallelism()),
  };
}
